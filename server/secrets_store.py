"""The JWT signing key: from settings, or generated once into the data directory (0600)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE = "secret_key"


def signing_key(configured: str, data_dir: Path) -> str:
    if configured:
        return configured
    path = data_dir / KEY_FILE
    if path.exists():
        stored = path.read_text("utf-8").strip()
        if stored:
            return stored
        # A crash right after an older version created the file (written without fsync)
        # leaves it empty; signing with an empty key would make every JWT forgeable.
        path.unlink()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    write_private(path, key + "\n")
    return key


def write_private(path: Path, text: str) -> None:
    """Create `path` readable by its owner only; never widen an existing file.

    The text is on disk before the name is: a crash leaves the file whole or absent, never
    present and empty (ext4 allocates a new file's blocks late, after its name is durable).
    """
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(partial, path)  # unlike rename, refuses to replace an existing file
    finally:
        partial.unlink()
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)

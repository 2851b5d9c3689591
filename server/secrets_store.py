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
        return path.read_text("utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    write_private(path, key + "\n")
    return key


def write_private(path: Path, text: str) -> None:
    """Create `path` readable by its owner only; never widen an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)

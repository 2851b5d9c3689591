"""Small real file systems to break on purpose: a tmpfs to fill, an ext4 image to abort.

A full disk and a file system that turns read-only under the server are simulated with the
kernel's own behaviour (ENOSPC from tmpfs, ext4's emergency read-only after `abort`), not with
an SQLite setting, so the errors SQLite sees are the ones a real box would give it. Mounting
needs root; without it the tests that use these are skipped, and say why.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, text=True)


def _mount_or_skip(*argv: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    try:
        _run(*argv)
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        reason = getattr(exc, "stderr", "") or str(exc)
        pytest.skip(f"cannot mount here ({' '.join(argv[:3])}): {reason.strip()}")


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    _mount_or_skip("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextlib.contextmanager
def ext4(path: Path, image: Path, size_mb: int) -> Iterator[Path]:
    """An ext4 file system in a file, mounted through a loop device at `path`."""
    path.mkdir(parents=True, exist_ok=True)
    with image.open("wb") as file:
        file.truncate(size_mb * 1024 * 1024)
    _mount_or_skip("mkfs.ext4", "-q", str(image))
    _mount_or_skip("mount", "-o", "loop", str(image), str(path))
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount(image: Path, path: Path) -> None:
    """Unmount (after an abort) and mount the image again: the journal is replayed."""
    _run("umount", str(path))
    _run("mount", "-o", "loop", str(image), str(path))


def abort(path: Path) -> None:
    """ext4 turns read-only at once, as `errors=remount-ro` does after an I/O error."""
    _run("mount", "-o", "remount,abort", str(path))


def fill(path: Path) -> Path:
    """Take every free block of the file system holding `path`; returns the ballast."""
    ballast = path / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 512):
            block = b"\0" * size
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, block)
    finally:
        os.close(fd)
    probe = path / "probe"
    try:
        probe.write_bytes(b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    else:
        raise AssertionError("the file system still has room")
    return ballast

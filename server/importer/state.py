"""What an import has already pushed, kept beside the input so a re-run skips it.

The state file (`<input>.tasksync-import.jsonl`) is an append-only log, one JSON object per
line: `{"key", "line", "result"}` for every push the server acknowledged with a 2xx. The key
is the SHA-256 of the target (base URL and project), the line's number and the exact bytes
sent, so the same file imported into another project, or a line edited since, is pushed
again, and nothing else is.

Lines are appended as answers arrive and made durable (flush and fsync) in batches: at least
every `SYNC_SECONDS`, before the importer waits for the rate limit, and when it stops. A
torn last line (a crash mid-write) is ignored on reading. Losing the last unsynced batch in a
crash costs only a second push of those lines, which is harmless: a push is an upsert by
(source, external_id), so it updates the task with what it already holds.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import IO

import msgspec

SUFFIX = ".tasksync-import.jsonl"
SYNC_SECONDS = 0.25


class Entry(msgspec.Struct):
    key: str
    line: int
    result: str


_DECODER = msgspec.json.Decoder(Entry)
_ENCODER = msgspec.json.Encoder()


def default_path(input_path: Path) -> Path:
    return input_path.with_name(input_path.name + SUFFIX)


def line_key(target: str, number: int, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (target.encode("utf-8"), str(number).encode("ascii"), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class ImportState:
    """The acknowledged keys, loaded from the log, and the appender for new ones."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: dict[str, str] = {}
        self._file: IO[bytes] | None = None
        self._dirty = False
        self._synced_at = 0.0
        if path.exists():
            self._load()

    def _load(self) -> None:
        with self.path.open("rb") as log:
            for raw in log:
                try:
                    entry = _DECODER.decode(raw)
                except msgspec.DecodeError:
                    continue  # a torn write at a crash; that push is simply made again
                self.done[entry.key] = entry.result

    def record(self, key: str, number: int, result: str) -> None:
        if self._file is None:
            self._file = self._open()
        self._file.write(_ENCODER.encode(Entry(key, number, result)) + b"\n")
        self.done[key] = result
        self._dirty = True
        if time.monotonic() - self._synced_at >= SYNC_SECONDS:
            self.sync()

    def sync(self) -> None:
        """Make every recorded line durable."""
        if self._file is None or not self._dirty:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._dirty = False
        self._synced_at = time.monotonic()

    def close(self) -> None:
        self.sync()
        if self._file is not None:
            self._file.close()
            self._file = None

    def _open(self) -> IO[bytes]:
        created = not self.path.exists()
        handle = self.path.open("ab")
        if created:
            # The new name must survive a crash too, not only the bytes behind it.
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        return handle

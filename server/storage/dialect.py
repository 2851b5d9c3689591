"""Everything SQLite-specific about talking to the database, in one place.

The SQL elsewhere is portable (`INSERT … ON CONFLICT`, `RETURNING`); this module holds the
connection set-up and the error classification a PostgreSQL backend would replace.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

# The database and its backups hold password hashes and token digests: owner-only. SQLite
# gives the -wal, -shm and -journal files it creates the mode of the database file.
PRIVATE_FILE_MODE = 0o600

# sqlite3 primary result codes that mean "the storage refused", not "the query is wrong".
_UNAVAILABLE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_NOMEM,
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_CORRUPT,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_PROTOCOL,
    sqlite3.SQLITE_NOTADB,
}


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if not read_only:
        _create_private(path, exist_ok=True)
    # isolation_level=None: we issue BEGIN/COMMIT ourselves (group commit needs it).
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: fsync the WAL on every commit, so an acknowledged push survives a power cut.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    if read_only:
        conn.execute("PRAGMA query_only = ON")
    return conn


def is_unavailable(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return isinstance(exc, sqlite3.OperationalError) and "disk" in str(exc)
    return (code & 0xFF) in _UNAVAILABLE


def probe_write(conn: sqlite3.Connection) -> None:
    """A write that touches the disk and changes nothing (the health check's probe).

    Rewriting a header field with its own value still dirties page 1, so the commit fails
    exactly when a push's would (full disk, read-only file system).
    """
    value = int(conn.execute("PRAGMA application_id").fetchone()[0])
    conn.execute(f"PRAGMA application_id = {value}")


def is_unique_violation(exc: sqlite3.Error) -> bool:
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)


def backup(source: Path, target: Path) -> None:
    """A consistent copy of a live database (the online backup API) in a new file, mode
    0600. `FileExistsError` when `target` exists: a backup never overwrites anything."""
    _create_private(target, exist_ok=False)
    try:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    except BaseException:
        target.unlink(missing_ok=True)  # a half copy must not pass for a backup
        raise


def _create_private(path: Path, *, exist_ok: bool) -> None:
    """Create `path` empty and owner-only before SQLite opens it (SQLite would use 0644).

    An existing file keeps its mode: the owner may have chosen it.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(path, flags, PRIVATE_FILE_MODE)
    except FileExistsError:
        if exist_ok:
            return
        raise
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)  # whatever the umask took away or left
    finally:
        os.close(fd)

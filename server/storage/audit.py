"""SQL for the audit log. Appends run inside the transaction of the change they record.

The table refuses UPDATE and DELETE (triggers in the migrations), so nothing here changes a
row once written. Reads page backwards by id (newest first) and the chain check walks
forwards by id in bounded chunks, so neither ever holds a project's whole log in memory.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from server.audit import GENESIS, NewEntry, chained_content, entry_hash


class StoredEntry(NamedTuple):
    """One row as stored: the chained content plus its id and the two hashes.

    A named tuple, not a frozen dataclass: `verify/` builds millions of them, and a tuple is
    several times cheaper to make.
    """

    id: int
    project_id: str
    action: str
    token_id: str | None
    token_prefix: str
    actor_id: str | None
    actor_email: str | None
    source_ip: str | None
    detail: str  # canonical JSON text, exactly as hashed
    created_at: str
    prev_hash: str
    hash: str


_COLUMNS = (
    "id, project_id, action, token_id, token_prefix, actor_id, actor_email, source_ip,"
    " detail, created_at, prev_hash, hash"
)


def last_hash(conn: sqlite3.Connection, project_id: str) -> str:
    row = conn.execute(
        "SELECT hash FROM audit_entries WHERE project_id = ? ORDER BY id DESC LIMIT 1",
        (project_id,),
    ).fetchone()
    return str(row[0]) if row is not None else GENESIS


def append_entry(conn: sqlite3.Connection, entry: NewEntry) -> int:
    """Append `entry` to its project's chain; returns the new entry's id.

    Must run inside the caller's write (one writer at a time), so that reading the previous
    hash and inserting the next entry cannot interleave with another append.
    """
    prev = last_hash(conn, entry.project_id)
    content = chained_content(entry)
    row = conn.execute(
        "INSERT INTO audit_entries (project_id, action, token_id, token_prefix, actor_id,"
        " actor_email, source_ip, detail, created_at, prev_hash, hash)"
        " VALUES (:project_id, :action, :token_id, :token_prefix, :actor_id, :actor_email,"
        " :source_ip, :detail, :created_at, :prev_hash, :hash) RETURNING id",
        {**content, "prev_hash": prev, "hash": entry_hash(prev, content)},
    ).fetchone()
    return int(row[0])


def last_entry_time(
    conn: sqlite3.Connection, project_id: str, token_id: str, action: str
) -> str | None:
    """`created_at` of the newest `action` entry for a token (to rate `rejected` entries)."""
    row = conn.execute(
        "SELECT created_at FROM audit_entries"
        " WHERE project_id = ? AND action = ? AND token_id = ? ORDER BY id DESC LIMIT 1",
        (project_id, action, token_id),
    ).fetchone()
    return str(row[0]) if row is not None else None


def page(
    conn: sqlite3.Connection,
    project_id: str,
    *,
    limit: int,
    before: int | None = None,
    action: str | None = None,
    token_prefix: str | None = None,
) -> list[StoredEntry]:
    """Up to `limit` entries, newest first, with ids below `before` and the given filters."""
    clauses = ["project_id = ?"]
    params: list[object] = [project_id]
    if before is not None:
        clauses.append("id < ?")
        params.append(before)
    if action is not None:
        clauses.append("action = ?")
        params.append(action)
    if token_prefix is not None:
        clauses.append("token_prefix = ?")
        params.append(token_prefix)
    params.append(limit)
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM audit_entries WHERE {' AND '.join(clauses)}"  # noqa: S608 - fixed clauses
        " ORDER BY id DESC LIMIT ?",
        params,
    ).fetchall()
    return [StoredEntry._make(row) for row in rows]


def chain_chunk(
    conn: sqlite3.Connection, project_id: str, after_id: int, size: int
) -> list[StoredEntry]:
    """The next `size` entries of a project's chain after `after_id`, oldest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM audit_entries"  # noqa: S608 - fixed column list
        " WHERE project_id = ? AND id > ? ORDER BY id LIMIT ?",
        (project_id, after_id, size),
    ).fetchall()
    return [StoredEntry._make(row) for row in rows]

"""SQL for the audit log. Appends run inside the transaction of the change they record."""

from __future__ import annotations

import sqlite3

from server.audit import GENESIS, NewEntry, chained_content, entry_hash


def last_hash(conn: sqlite3.Connection, project_id: str) -> str:
    row = conn.execute(
        "SELECT hash FROM audit_entries WHERE project_id = ? ORDER BY id DESC LIMIT 1",
        (project_id,),
    ).fetchone()
    return str(row[0]) if row is not None else GENESIS


def append_entry(conn: sqlite3.Connection, entry: NewEntry) -> int:
    """Append `entry` to its project's chain; returns the new entry's id."""
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

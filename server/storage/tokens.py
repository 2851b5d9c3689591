"""SQL for API tokens. Only the SHA-256 of a token is ever stored (SPEC 2)."""

from __future__ import annotations

import sqlite3
from typing import Any

_COLUMNS = (
    "id, project_id, name, token_prefix, status_map, created_by, created_at,"
    " backfill_until, last_used_at, revoked_at"
)


def insert_token(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO api_tokens (id, project_id, name, token_hash, token_prefix, status_map,"
        " created_by, created_at, backfill_until)"
        " VALUES (:id, :project_id, :name, :token_hash, :token_prefix, :status_map,"
        " :created_by, :created_at, :backfill_until)",
        row,
    )


def tokens_of(conn: sqlite3.Connection, project_id: str) -> list[sqlite3.Row]:
    """Revoked ones included, newest first."""
    return conn.execute(
        f"SELECT {_COLUMNS} FROM api_tokens WHERE project_id = ?"  # noqa: S608 - constant
        " ORDER BY created_at DESC, rowid DESC",
        (project_id,),
    ).fetchall()


def token_in_project(
    conn: sqlite3.Connection, project_id: str, token_id: str
) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        f"SELECT {_COLUMNS} FROM api_tokens WHERE project_id = ? AND id = ?",  # noqa: S608
        (project_id, token_id),
    ).fetchone()
    return row


def mark_revoked(conn: sqlite3.Connection, token_id: str, revoked_at: str) -> bool:
    """True when this call revoked it; False when it already was."""
    cursor = conn.execute(
        "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        (revoked_at, token_id),
    )
    return cursor.rowcount == 1

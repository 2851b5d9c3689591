"""SQL for who belongs to which project, and with which role."""

from __future__ import annotations

import sqlite3


def role_of(conn: sqlite3.Connection, project_id: str, user_id: str) -> str | None:
    row = conn.execute(
        "SELECT role FROM memberships WHERE project_id = ? AND user_id = ?",
        (project_id, user_id),
    ).fetchone()
    return str(row[0]) if row is not None else None

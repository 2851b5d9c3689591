"""SQL for projects and what their detail page counts (SPEC 1, 4.3, 4.4)."""

from __future__ import annotations

import sqlite3
from typing import Any


def insert_project(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO projects (id, name, created_at) VALUES (:id, :name, :created_at)", row
    )


def project_by_id(conn: sqlite3.Connection, project_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT id, name, created_at FROM projects WHERE id = ?", (project_id,)
    ).fetchone()
    return row


def projects_of_user(conn: sqlite3.Connection, user_id: str) -> list[sqlite3.Row]:
    """The user's projects with their role, newest first."""
    return conn.execute(
        "SELECT p.id, p.name, p.created_at, m.role FROM projects p"
        " JOIN memberships m ON m.project_id = p.id"
        " WHERE m.user_id = ? ORDER BY p.created_at DESC, p.id",
        (user_id,),
    ).fetchall()


def unresolved_assignee_count(conn: sqlite3.Connection, project_id: str) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM task_links"
        " WHERE project_id = ? AND pending_assignee_email IS NOT NULL",
        (project_id,),
    ).fetchone()
    return int(row[0])


# The project detail lists the unmapped statuses seen most often, not every one ever sent.
UNMAPPED_SHOWN = 100


def unmapped_statuses(conn: sqlite3.Connection, project_id: str) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT source, last_value, status_key, count, last_seen_at FROM unmapped_statuses"
        " WHERE project_id = ? ORDER BY count DESC, last_seen_at DESC, source, status_key"
        " LIMIT ?",
        (project_id, UNMAPPED_SHOWN),
    ).fetchall()


def unmapped_status_count(conn: sqlite3.Connection, project_id: str) -> int:
    """How many unmapped statuses the project remembers (the detail shows some of them)."""
    row = conn.execute(
        "SELECT COUNT(*) FROM unmapped_statuses WHERE project_id = ?", (project_id,)
    ).fetchone()
    return int(row[0])


def pending_assignees(conn: sqlite3.Connection, project_id: str) -> list[sqlite3.Row]:
    """Each parked email with how many tasks park it, most first."""
    return conn.execute(
        "SELECT pending_assignee_email AS email, COUNT(*) AS task_count FROM task_links"
        " WHERE project_id = ? AND pending_assignee_email IS NOT NULL"
        " GROUP BY pending_assignee_email ORDER BY task_count DESC, email",
        (project_id,),
    ).fetchall()

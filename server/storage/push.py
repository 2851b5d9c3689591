"""SQL of a push (SPEC 4.2-4.5): links, the tasks they point at, parents, parked emails,
unmapped statuses and history. Every function runs inside the one write of a push.
"""

from __future__ import annotations

import sqlite3
from typing import Any


def token_by_hash(conn: sqlite3.Connection, token_hash: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT id, project_id, token_prefix, status_map, backfill_until, revoked_at"
        " FROM api_tokens WHERE token_hash = ?",
        (token_hash,),
    ).fetchone()
    return row


def linked_task(
    conn: sqlite3.Connection, project_id: str, source: str, external_id: str
) -> sqlite3.Row | None:
    """The task pushed under this key, with its link, or None."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT t.id, t.number, t.name, t.description, t.status, t.story_points,"
        " t.assignee_id, t.parent_id, l.external_url, l.pending_assignee_email,"
        " l.parent_external_id, l.updated_at AS source_updated_at"
        " FROM task_links l JOIN tasks t ON t.id = l.task_id"
        " WHERE l.project_id = ? AND l.source = ? AND l.external_id = ?",
        (project_id, source, external_id),
    ).fetchone()
    return row


def task_id_by_key(
    conn: sqlite3.Connection, project_id: str, source: str, external_id: str
) -> str | None:
    row = conn.execute(
        "SELECT task_id FROM task_links"
        " WHERE project_id = ? AND source = ? AND external_id = ?",
        (project_id, source, external_id),
    ).fetchone()
    return str(row[0]) if row is not None else None


def key_in_other_source(
    conn: sqlite3.Connection, project_id: str, source: str, external_id: str
) -> bool:
    row = conn.execute(
        "SELECT 1 FROM task_links WHERE project_id = ? AND external_id = ? AND source <> ?"
        " LIMIT 1",
        (project_id, external_id, source),
    ).fetchone()
    return row is not None


def is_ancestor_or_self(conn: sqlite3.Connection, candidate: str, task_id: str) -> bool:
    """Whether `candidate` is `task_id` or one of its ancestors."""
    row = conn.execute(
        "WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT t.parent_id FROM tasks t"
        " JOIN up ON t.id = up.id WHERE t.parent_id IS NOT NULL)"
        " SELECT 1 FROM up WHERE id = ? LIMIT 1",
        (task_id, candidate),
    ).fetchone()
    return row is not None


def waiting_children(
    conn: sqlite3.Connection, project_id: str, source: str, parent_external_id: str
) -> list[sqlite3.Row]:
    """Tasks whose link names this parent key but that are not attached to it."""
    return conn.execute(
        "SELECT t.id, t.parent_id FROM task_links l JOIN tasks t ON t.id = l.task_id"
        " WHERE l.project_id = ? AND l.source = ? AND l.parent_external_id = ?"
        " ORDER BY t.number",
        (project_id, source, parent_external_id),
    ).fetchall()


def member_by_email(conn: sqlite3.Connection, project_id: str, email_key: str) -> str | None:
    """The id of the current member of the project with this (lower-cased) email."""
    row = conn.execute(
        "SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id"
        " WHERE m.project_id = ? AND u.email_key = ?",
        (project_id, email_key),
    ).fetchone()
    return str(row[0]) if row is not None else None


def next_task_number(conn: sqlite3.Connection, project_id: str) -> int:
    row = conn.execute(
        "UPDATE projects SET last_task_number = last_task_number + 1 WHERE id = ?"
        " RETURNING last_task_number",
        (project_id,),
    ).fetchone()
    return int(row[0])


def insert_task(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO tasks (id, project_id, number, name, description, status, story_points,"
        " assignee_id, sprint_id, parent_id, created_at, updated_at)"
        " VALUES (:id, :project_id, :number, :name, :description, :status, :story_points,"
        " :assignee_id, NULL, :parent_id, :created_at, :updated_at)",
        row,
    )


def insert_link(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO task_links (task_id, project_id, source, external_id, external_url,"
        " pending_assignee_email, parent_external_id, updated_at, last_synced_at)"
        " VALUES (:task_id, :project_id, :source, :external_id, :external_url,"
        " :pending_assignee_email, :parent_external_id, :updated_at, :last_synced_at)",
        row,
    )


_TASK_COLUMNS = frozenset(
    {"name", "description", "status", "story_points", "assignee_id", "parent_id"}
)
_LINK_COLUMNS = frozenset(
    {"external_url", "pending_assignee_email", "parent_external_id", "updated_at"}
)


def update_task(
    conn: sqlite3.Connection, task_id: str, values: dict[str, Any], updated_at: str
) -> None:
    assert values.keys() <= _TASK_COLUMNS
    sets = "".join(f"{column} = :{column}, " for column in values)
    conn.execute(
        f"UPDATE tasks SET {sets}updated_at = :updated_at WHERE id = :id",  # noqa: S608
        {**values, "updated_at": updated_at, "id": task_id},
    )


def update_link(
    conn: sqlite3.Connection, task_id: str, values: dict[str, Any], synced_at: str
) -> None:
    assert values.keys() <= _LINK_COLUMNS
    sets = "".join(f"{column} = :{column}, " for column in values)
    conn.execute(
        f"UPDATE task_links SET {sets}last_synced_at = :synced_at"  # noqa: S608
        " WHERE task_id = :task_id",
        {**values, "synced_at": synced_at, "task_id": task_id},
    )


# Known limit: a project remembers at most this many distinct unmapped statuses; later new
# ones still warn but are not counted, so a leaked token cannot grow the table without bound.
MAX_UNMAPPED_PER_PROJECT = 1000


def count_unmapped_status(
    conn: sqlite3.Connection, project_id: str, source: str, key: str, value: str, seen_at: str
) -> None:
    updated = conn.execute(
        "UPDATE unmapped_statuses SET count = count + 1, last_value = ?, last_seen_at = ?"
        " WHERE project_id = ? AND source = ? AND status_key = ?",
        (value, seen_at, project_id, source, key),
    )
    if updated.rowcount:
        return
    conn.execute(
        "INSERT INTO unmapped_statuses"
        " (project_id, source, status_key, last_value, count, last_seen_at)"
        " SELECT ?, ?, ?, ?, 1, ?"
        " WHERE (SELECT COUNT(*) FROM unmapped_statuses WHERE project_id = ?) < ?",
        (project_id, source, key, value, seen_at, project_id, MAX_UNMAPPED_PER_PROJECT),
    )


def mark_token_used(conn: sqlite3.Connection, token_id: str, used_at: str) -> None:
    conn.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (used_at, token_id))

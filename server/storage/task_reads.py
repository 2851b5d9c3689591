"""SQL for reading tasks (list, detail, children, history), a person's edit of a task, and
the assignment of parked emails when a member joins. The push's upsert lives in `tasks`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

# The task with its assignee and inbound link, in one row; aliases keep the columns apart.
TASK_SELECT = (
    "SELECT t.id, t.project_id, t.number, t.name, t.description, t.status, t.story_points,"
    " t.assignee_id, t.sprint_id, t.parent_id, t.created_at, t.updated_at,"
    " u.email AS assignee_email, u.name AS assignee_name,"
    " l.task_id AS link_task_id, l.source AS link_source, l.external_id AS link_external_id,"
    " l.external_url AS link_external_url,"
    " l.pending_assignee_email AS link_pending_assignee_email,"
    " l.parent_external_id AS link_parent_external_id, l.updated_at AS link_updated_at,"
    " l.last_synced_at AS link_last_synced_at"
    " FROM tasks t LEFT JOIN users u ON u.id = t.assignee_id"
    " LEFT JOIN task_links l ON l.task_id = t.id"
)

# Columns a person may change through PATCH (SPEC 6); nothing else reaches the UPDATE.
EDITABLE = ("name", "status", "assignee_id", "sprint_id", "story_points")


@dataclass(frozen=True)
class TaskQuery:
    project_id: str
    limit: int
    status: str | None = None
    source: str | None = None
    sprint_id: str | None = None
    backlog_only: bool = False  # `sprint=none`
    name_contains: str | None = None
    before_number: int | None = None


def escape_like(text: str) -> str:
    """`text` matched literally inside a LIKE pattern that declares `ESCAPE '\\'`."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def task_row(conn: sqlite3.Connection, project_id: str, task_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        TASK_SELECT + " WHERE t.project_id = ? AND t.id = ?", (project_id, task_id)
    ).fetchone()
    return row


def task_rows(conn: sqlite3.Connection, query: TaskQuery) -> list[sqlite3.Row]:
    """Newest first (highest number), at most `query.limit` rows."""
    clauses = ["t.project_id = ?"]
    params: list[Any] = [query.project_id]
    if query.status is not None:
        clauses.append("t.status = ?")
        params.append(query.status)
    if query.source is not None:
        clauses.append("l.source = ?")
        params.append(query.source)
    if query.backlog_only:
        clauses.append("t.sprint_id IS NULL")
    elif query.sprint_id is not None:
        clauses.append("t.sprint_id = ?")
        params.append(query.sprint_id)
    if query.name_contains:
        # Known limit: LOWER() folds ASCII only in SQLite, so `q` ignores case for ASCII
        # letters alone; PostgreSQL's ILIKE would lift this.
        clauses.append("LOWER(t.name) LIKE ? ESCAPE '\\'")
        params.append("%" + escape_like(query.name_contains.lower()) + "%")
    if query.before_number is not None:
        clauses.append("t.number < ?")
        params.append(query.before_number)
    sql = TASK_SELECT + " WHERE " + " AND ".join(clauses) + " ORDER BY t.number DESC LIMIT ?"
    return conn.execute(sql, [*params, query.limit]).fetchall()


def task_number(conn: sqlite3.Connection, project_id: str, task_id: str) -> int | None:
    row = conn.execute(
        "SELECT number FROM tasks WHERE project_id = ? AND id = ?", (project_id, task_id)
    ).fetchone()
    return int(row[0]) if row is not None else None


def child_ids(conn: sqlite3.Connection, task_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT id FROM tasks WHERE parent_id = ? ORDER BY number", (task_id,)
    ).fetchall()
    return [str(row[0]) for row in rows]


def history_rows(conn: sqlite3.Connection, task_id: str) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT id, actor, changes, created_at FROM task_history WHERE task_id = ? ORDER BY id",
        (task_id,),
    ).fetchall()


def update_task(
    conn: sqlite3.Connection, task_id: str, values: dict[str, Any], updated_at: str
) -> None:
    """Set the given editable columns of one task."""
    columns = [name for name in values if name in EDITABLE]
    assert len(columns) == len(values), "only editable columns may be set"
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    conn.execute(
        f"UPDATE tasks SET {assignments}, updated_at = :updated_at WHERE id = :task_id",  # noqa: S608 - columns from EDITABLE
        {**values, "updated_at": updated_at, "task_id": task_id},
    )


def unassigned_tasks_parking(
    conn: sqlite3.Connection, project_id: str, email_key: str
) -> list[str]:
    """Ids of the project's tasks with no assignee whose link parks `email_key`."""
    rows = conn.execute(
        "SELECT t.id FROM tasks t JOIN task_links l ON l.task_id = t.id"
        " WHERE l.project_id = ? AND l.pending_assignee_email = ? AND t.assignee_id IS NULL"
        " ORDER BY t.number",
        (project_id, email_key),
    ).fetchall()
    return [str(row[0]) for row in rows]


def assign_parked(conn: sqlite3.Connection, task_id: str, user_id: str, now: str) -> None:
    conn.execute(
        "UPDATE tasks SET assignee_id = ?, updated_at = ? WHERE id = ?", (user_id, now, task_id)
    )
    conn.execute(
        "UPDATE task_links SET pending_assignee_email = NULL WHERE task_id = ?", (task_id,)
    )

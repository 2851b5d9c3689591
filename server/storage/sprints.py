"""SQL for sprints."""

from __future__ import annotations

import sqlite3
from typing import Any


def insert_sprint(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO sprints (id, project_id, name, start_date, end_date, created_at)"
        " VALUES (:id, :project_id, :name, :start_date, :end_date, :created_at)",
        row,
    )


def sprints_of(conn: sqlite3.Connection, project_id: str) -> list[sqlite3.Row]:
    """In calendar order, the ones without dates last."""
    return conn.execute(
        "SELECT id, name, start_date, end_date, created_at FROM sprints WHERE project_id = ?"
        " ORDER BY start_date IS NULL, start_date, created_at, id",
        (project_id,),
    ).fetchall()


def sprint_in_project(conn: sqlite3.Connection, project_id: str, sprint_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sprints WHERE project_id = ? AND id = ?", (project_id, sprint_id)
    ).fetchone()
    return row is not None

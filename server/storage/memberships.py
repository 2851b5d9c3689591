"""SQL for who belongs to which project, and with which role."""

from __future__ import annotations

import sqlite3


def role_of(conn: sqlite3.Connection, project_id: str, user_id: str) -> str | None:
    row = conn.execute(
        "SELECT role FROM memberships WHERE project_id = ? AND user_id = ?",
        (project_id, user_id),
    ).fetchone()
    return str(row[0]) if row is not None else None


def insert_membership(
    conn: sqlite3.Connection, project_id: str, user_id: str, role: str, created_at: str
) -> None:
    conn.execute(
        "INSERT INTO memberships (project_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
        (project_id, user_id, role, created_at),
    )


def members_of(conn: sqlite3.Connection, project_id: str) -> list[sqlite3.Row]:
    """Members with their user fields, in the order they joined."""
    return conn.execute(
        "SELECT u.id AS user_id, u.email, u.name, m.role, m.created_at FROM memberships m"
        " JOIN users u ON u.id = m.user_id WHERE m.project_id = ?"
        " ORDER BY m.created_at, u.email_key",
        (project_id,),
    ).fetchall()


def member(conn: sqlite3.Connection, project_id: str, user_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT u.id AS user_id, u.email, u.name, m.role, m.created_at FROM memberships m"
        " JOIN users u ON u.id = m.user_id WHERE m.project_id = ? AND m.user_id = ?",
        (project_id, user_id),
    ).fetchone()
    return row


def set_role(conn: sqlite3.Connection, project_id: str, user_id: str, role: str) -> None:
    conn.execute(
        "UPDATE memberships SET role = ? WHERE project_id = ? AND user_id = ?",
        (role, project_id, user_id),
    )


def delete_membership(conn: sqlite3.Connection, project_id: str, user_id: str) -> None:
    conn.execute(
        "DELETE FROM memberships WHERE project_id = ? AND user_id = ?", (project_id, user_id)
    )


def count_owners(conn: sqlite3.Connection, project_id: str) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM memberships WHERE project_id = ? AND role = 'owner'",
        (project_id,),
    ).fetchone()
    return int(row[0])


def member_by_email(
    conn: sqlite3.Connection, project_id: str, email_key: str
) -> sqlite3.Row | None:
    """The member with this (lower-cased) email: how a pushed email finds its assignee."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT u.id AS user_id, u.email, u.name, m.role FROM memberships m"
        " JOIN users u ON u.id = m.user_id WHERE m.project_id = ? AND u.email_key = ?",
        (project_id, email_key),
    ).fetchone()
    return row

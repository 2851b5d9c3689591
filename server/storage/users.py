"""SQL for users."""

from __future__ import annotations

import sqlite3
from typing import Any


def insert_user(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO users (id, email, email_key, name, password_hash, is_admin, created_at)"
        " VALUES (:id, :email, :email_key, :name, :password_hash, :is_admin, :created_at)",
        row,
    )


def user_by_email(conn: sqlite3.Connection, email_key: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM users WHERE email_key = ?", (email_key,)
    ).fetchone()
    return row


def user_by_id(conn: sqlite3.Connection, user_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM users WHERE id = ?", (user_id,)
    ).fetchone()
    return row


def count_users(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])

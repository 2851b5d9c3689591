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


def user_for_session(conn: sqlite3.Connection, user_id: str, jti: str) -> sqlite3.Row | None:
    """The user row with `ended`: whether the session was logged out. One query, so checking
    a session costs no more than looking its user up."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT users.*, EXISTS(SELECT 1 FROM ended_sessions WHERE jti = ?) AS ended"
        " FROM users WHERE id = ?",
        (jti, user_id),
    ).fetchone()
    return row


def end_session(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    # Ending a session twice (two logouts racing) keeps the first record.
    conn.execute(
        "INSERT OR IGNORE INTO ended_sessions (jti, user_id, ended_at, expires_at)"
        " VALUES (:jti, :user_id, :ended_at, :expires_at)",
        row,
    )


def purge_ended_sessions(conn: sqlite3.Connection, now: str) -> int:
    """Forget sessions whose JWT has expired anyway: the expiry check refuses them now."""
    return conn.execute("DELETE FROM ended_sessions WHERE expires_at <= ?", (now,)).rowcount

"""SQL for task history: one entry per change, pushed or made by hand (SPEC 4.2, 6)."""

from __future__ import annotations

import sqlite3
from typing import Any

import msgspec

_json = msgspec.json.Encoder()


def add_history(
    conn: sqlite3.Connection,
    task_id: str,
    actor: dict[str, Any],
    changes: list[dict[str, Any]],
    created_at: str,
) -> None:
    """`actor` is `{token_prefix}` or `{user_id, email}`; `changes` `[{field, old, new}]`."""
    conn.execute(
        "INSERT INTO task_history (task_id, actor, changes, created_at) VALUES (?, ?, ?, ?)",
        (task_id, _json.encode(actor).decode(), _json.encode(changes).decode(), created_at),
    )

"""Set-up for the task-sync tests: projects, members and tokens written straight to the
database file the app under test uses, and small readers of what a push left behind.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from litestar.testing import TestClient

from server.clock import FakeClock, isoformat
from server.config import Settings
from server.storage import dialect
from server.sync_auth import token_hash
from tests.conftest import ADMIN_EMAIL


@contextmanager
def connect(settings: Settings) -> Iterator[sqlite3.Connection]:
    conn = dialect.connect(settings.database_path)
    try:
        yield conn
    finally:
        conn.close()


def make_project(settings: Settings, owner_email: str, name: str = "Backlog") -> str:
    project_id = str(uuid.uuid4())
    with connect(settings) as conn:
        conn.execute(
            "INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)",
            (project_id, name, "2026-01-01T12:00:00.000000Z"),
        )
        _add_member(conn, project_id, owner_email, "owner")
    return project_id


def add_member(settings: Settings, project_id: str, email: str, role: str = "member") -> str:
    with connect(settings) as conn:
        return _add_member(conn, project_id, email, role)


def _add_member(conn: sqlite3.Connection, project_id: str, email: str, role: str) -> str:
    user_id = str(
        conn.execute("SELECT id FROM users WHERE email_key = ?", (email.lower(),)).fetchone()[0]
    )
    conn.execute(
        "INSERT INTO memberships (project_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
        (project_id, user_id, role, "2026-01-01T12:00:00.000000Z"),
    )
    return user_id


def mint(
    settings: Settings,
    project_id: str,
    created_at: datetime,
    *,
    status_map: dict[str, str] | None = None,
    revoked: bool = False,
    backfill_minutes: int = 60,
) -> str:
    """A raw token of `project_id`, stored as the mint endpoint stores one."""
    raw = "tppm_" + secrets.token_hex(32)
    with connect(settings) as conn:
        conn.execute(
            "INSERT INTO api_tokens (id, project_id, name, token_hash, token_prefix,"
            " status_map, created_by, created_at, backfill_until, revoked_at)"
            " VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
            (
                str(uuid.uuid4()),
                project_id,
                "relay",
                token_hash(raw),
                raw[5:13],
                json.dumps(status_map or {}),
                isoformat(created_at),
                isoformat(created_at + timedelta(minutes=backfill_minutes)),
                isoformat(created_at) if revoked else None,
            ),
        )
    return raw


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def counts(settings: Settings) -> dict[str, int]:
    """Rows of everything a push may write."""
    tables = ("tasks", "task_links", "task_history", "audit_entries", "unmapped_statuses")
    with connect(settings) as conn:
        return {
            table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in tables
        }


def rows(settings: Settings, sql: str, *params: Any) -> list[dict[str, Any]]:
    with connect(settings) as conn:
        return [dict(row) for row in conn.execute(sql, params).fetchall()]


def task(settings: Settings, task_id: str) -> dict[str, Any]:
    found = rows(
        settings,
        "SELECT t.*, l.source, l.external_id, l.external_url, l.pending_assignee_email,"
        " l.parent_external_id, l.updated_at AS source_updated_at"
        " FROM tasks t LEFT JOIN task_links l ON l.task_id = t.id WHERE t.id = ?",
        task_id,
    )
    assert len(found) == 1
    return found[0]


def history(settings: Settings, task_id: str) -> list[dict[str, Any]]:
    return [
        {"actor": json.loads(row["actor"]), "changes": json.loads(row["changes"])}
        for row in rows(
            settings, "SELECT * FROM task_history WHERE task_id = ? ORDER BY id", task_id
        )
    ]


@dataclass
class Sync:
    """One project with one token, and the app under test."""

    client: TestClient[Any]
    settings: Settings
    clock: FakeClock
    project_id: str
    token: str

    @property
    def url(self) -> str:
        return f"/api/v1/projects/{self.project_id}/task-sync/"

    def push(self, payload: dict[str, Any], *, dry_run: str | None = None) -> httpx.Response:
        url = self.url if dry_run is None else f"{self.url}?dry_run={dry_run}"
        return self.client.post(url, json=payload, headers=bearer(self.token))

    def send(
        self, body: bytes, content_type: str | None = "application/json"
    ) -> httpx.Response:
        headers = bearer(self.token)
        if content_type is not None:
            headers["Content-Type"] = content_type
        return self.client.post(self.url, content=body, headers=headers)

    def mint(self, **options: Any) -> str:
        return mint(self.settings, self.project_id, self.clock.now(), **options)

    def add_member(self, email: str, role: str = "member") -> str:
        return add_member(self.settings, self.project_id, email, role)


def setup_sync(
    client: TestClient[Any], settings: Settings, clock: FakeClock, **token_options: Any
) -> Sync:
    project_id = make_project(settings, ADMIN_EMAIL)
    token = mint(settings, project_id, clock.now(), **token_options)
    return Sync(client, settings, clock, project_id, token)

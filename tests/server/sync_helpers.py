"""Set-up for the task-sync tests (a project and its token, through the API) and small
readers of what a push left behind in the database file the app under test uses.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from litestar.testing import TestClient

from server.clock import FakeClock
from server.config import Settings
from server.storage import dialect
from tests.conftest import ADMIN_EMAIL, login


@contextmanager
def connect(settings: Settings) -> Iterator[sqlite3.Connection]:
    conn = dialect.connect(settings.database_path)
    try:
        yield conn
    finally:
        conn.close()


def make_project(
    client: TestClient[Any] | httpx.Client, admin: dict[str, str], name: str = "Backlog"
) -> str:
    response = client.post("/api/v1/projects/", json={"name": name}, headers=admin)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def mint(
    client: TestClient[Any] | httpx.Client,
    admin: dict[str, str],
    project_id: str,
    status_map: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The mint response: `token` is the raw value, `id` names it for revocation."""
    response = client.post(
        f"/api/v1/projects/{project_id}/api-tokens/",
        json={"name": "relay", "status_map": status_map or {}},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    minted: dict[str, Any] = response.json()
    return minted


def join_quietly(settings: Settings, project_id: str, email: str, role: str = "member") -> str:
    """Membership written behind the API's back, so no parked email is resolved on joining
    and only a later push can resolve it."""
    with connect(settings) as conn:
        user_id = str(
            conn.execute(
                "SELECT id FROM users WHERE email_key = ?", (email.lower(),)
            ).fetchone()[0]
        )
        conn.execute(
            "INSERT INTO memberships (project_id, user_id, role, created_at)"
            " VALUES (?, ?, ?, ?)",
            (project_id, user_id, role, "2026-01-01T12:00:00.000000Z"),
        )
    return user_id


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
    admin: dict[str, str]
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

    def mint(self, status_map: dict[str, str] | None = None) -> str:
        return str(mint(self.client, self.admin, self.project_id, status_map)["token"])

    def mint_revoked(self) -> str:
        minted = mint(self.client, self.admin, self.project_id)
        response = self.client.delete(
            f"/api/v1/projects/{self.project_id}/api-tokens/{minted['id']}/", headers=self.admin
        )
        assert response.status_code == 204, response.text
        return str(minted["token"])

    def add_member(self, email: str, role: str = "member") -> None:
        response = self.client.post(
            f"/api/v1/projects/{self.project_id}/members/",
            json={"email": email, "role": role},
            headers=self.admin,
        )
        assert response.status_code == 201, response.text


def setup_sync(
    client: TestClient[Any],
    settings: Settings,
    clock: FakeClock,
    status_map: dict[str, str] | None = None,
) -> Sync:
    admin = login(client, ADMIN_EMAIL)
    project_id = make_project(client, admin)
    token = str(mint(client, admin, project_id, status_map)["token"])
    return Sync(client, settings, clock, admin, project_id, token)

"""The writer when the disk refuses commits, without root: SQLite's own page limit stands in
for a full disk (tests/reliability/test_storage_faults.py fills a real file system)."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.server.sync_helpers import bearer, make_project, mint

FULL = 1_073_741_823  # SQLite's largest page count: no limit


def _limit_pages(client: TestClient[Any], pages: int | None) -> None:
    """Cap the writer's database at its current size (None), or at `pages`."""

    def job(conn: sqlite3.Connection) -> None:
        count = pages or conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {count}")

    client.blocking_portal.call(client.app.state.services.db.write, job)


def _push(client: TestClient[Any], project_id: str, token: str, n: int) -> Any:
    body = {"source": "jira", "external_id": f"FULL-{n}", "description": "x" * 2000}
    return client.post(
        f"/api/v1/projects/{project_id}/task-sync/", json=body, headers=bearer(token)
    )


def test_full_database_answers_503_logs_once_and_recovers(
    client: TestClient[Any], admin: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    project_id = make_project(client, admin)
    token = mint(client, admin, project_id)["token"]
    _limit_pages(client, None)
    caplog.set_level(logging.INFO, logger="server")

    statuses = [_push(client, project_id, token, n).status_code for n in range(40)]
    refused = _push(client, project_id, token, 40)
    _limit_pages(client, FULL)
    recovered = _push(client, project_id, token, 41)

    assert 503 in statuses and set(statuses) <= {201, 503}
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "5"
    assert refused.json() == {
        "type": "https://tasksync.dev/problems/service-unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "The database cannot take writes right now; retry later.",
    }
    assert recovered.status_code == 201
    storage = [r for r in caplog.records if r.name == "server.storage.database"]
    assert [(r.levelname, r.getMessage()) for r in storage] == [
        ("ERROR", "writes failing: answering 503 until a commit succeeds"),
        ("WARNING", "writes recovered"),
    ]
    assert "full" in storage[0].__dict__["error"]

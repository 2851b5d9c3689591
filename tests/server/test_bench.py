"""The benchmark's baseline routes (server/http/routes/bench.py): off unless asked for."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.clock import FakeClock
from server.config import Settings
from server.storage.naive import FILE_NAME

PUSH = {"source": "jira", "external_id": "BENCH-1", "name": "A task", "status": "To Do"}


@pytest.fixture
def bench_client(
    settings: Settings, clock: FakeClock, admin_user: str
) -> Iterator[TestClient[Any]]:
    on = msgspec.structs.replace(settings, bench_routes=True)
    with TestClient(create_app(on, clock=clock)) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/bench/ceiling", "/bench/naive"])
def test_bench_routes_do_not_exist_without_the_setting(
    client: TestClient[Any], path: str
) -> None:
    assert client.post(path, json=PUSH).status_code == 404


def test_the_ceiling_decodes_the_push_and_answers(bench_client: TestClient[Any]) -> None:
    response = bench_client.post("/bench/ceiling", json=PUSH)

    assert (response.status_code, response.json()) == (200, {"external_id": "BENCH-1"})


def test_the_ceiling_rejects_what_task_sync_rejects(bench_client: TestClient[Any]) -> None:
    response = bench_client.post("/bench/ceiling", json={**PUSH, "title": "typo"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "title"


def test_naive_upserts_one_row_per_key_in_its_own_file(
    bench_client: TestClient[Any], settings: Settings
) -> None:
    for name in ("first", "second"):
        response = bench_client.post("/bench/naive", json={**PUSH, "name": name})
        assert (response.status_code, response.json()) == (200, {"external_id": "BENCH-1"})

    conn = sqlite3.connect(settings.data_dir / FILE_NAME)
    try:
        rows = conn.execute("SELECT external_id, name, pushes FROM naive_tasks").fetchall()
    finally:
        conn.close()
    assert rows == [("BENCH-1", "second", 2)]

"""Task sync end to end over HTTP: bodies, rate limit, dry run, OpenAPI, and concurrency
against a real `tasksync serve` process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.clock import FakeClock
from server.config import Settings, load_settings
from server.storage.database import StorageUnavailable
from tests.conftest import ADMIN_EMAIL, LiveServer, login
from tests.server.sync_helpers import Sync, bearer, counts, make_project, mint, rows, setup_sync

BASE = {"source": "jira", "external_id": "PROJ-1"}


@pytest.fixture
def sync(client: TestClient[Any], settings: Settings, clock: FakeClock) -> Sync:
    return setup_sync(client, settings, clock)


def problem_fields(response: httpx.Response) -> list[dict[str, str]]:
    assert response.headers["content-type"] == "application/problem+json"
    fields: list[dict[str, str]] = response.json()["errors"]
    return fields


# -- bodies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "status", "errors"),
    [
        pytest.param(
            rb'{"source":"jira","external_id":"P-1","name":"a\ud800b"}',
            "application/json",
            400,
            [
                {
                    "field": "name",
                    "message": "contains an unpaired surrogate escape; send valid Unicode",
                }
            ],
            id="lone-surrogate",
        ),
        pytest.param(
            b'{"source":"jira","external_id":"P-1","description":"caf\xe9"}',
            "application/json",
            400,
            [
                {
                    "field": "description",
                    "message": "contains bytes that are not UTF-8 (byte 55 of the body)",
                }
            ],
            id="latin-1-bytes",
        ),
        pytest.param(
            b'{"source":"jira","external_id":"P-1","story_points":2.5}',
            "application/json",
            400,
            [{"field": "story_points", "message": "must be a whole number"}],
            id="fractional-points",
        ),
        pytest.param(
            b'{"source":"jira","external_id":"P-1","story_points":true}',
            "application/json",
            400,
            [
                {
                    "field": "story_points",
                    "message": "must be a number or null, not true or false",
                }
            ],
            id="boolean-points",
        ),
        pytest.param(
            b'{"source":"jira","external_id":"P-1","story_points":"3"}',
            "application/json",
            400,
            [{"field": "story_points", "message": "must be a number or null, not a string"}],
            id="string-points",
        ),
        pytest.param(
            b'["jira", "P-1"]',
            "application/json",
            400,
            [{"field": "body", "message": "the body must be a JSON object"}],
            id="array",
        ),
        pytest.param(
            b"source=jira&external_id=P-1",
            "application/x-www-form-urlencoded",
            400,
            [
                {
                    "field": "body",
                    "message": "the body is not a JSON object: JSON is malformed: "
                    "invalid character (byte 0)",
                }
            ],
            id="a-real-form",
        ),
        pytest.param(b"", "application/json", 400, None, id="empty"),
        pytest.param(
            b'{"source":"jira","external_id":"P-1"}', "text/plain", 415, None, id="text"
        ),
        pytest.param(
            b'{"source":"jira","external_id":"P-1","description":"'
            + b"x" * (2 * 1024 * 1024)
            + b'"}',
            "application/json",
            413,
            None,
            id="two-mebibytes",
        ),
    ],
)
def test_a_bad_body_gets_a_clear_answer_and_writes_nothing(
    sync: Sync,
    body: bytes,
    content_type: str,
    status: int,
    errors: list[dict[str, str]] | None,
) -> None:
    before = counts(sync.settings)

    response = sync.send(body, content_type)

    assert response.status_code == status, response.text
    if errors is not None:
        assert problem_fields(response) == errors
    assert response.headers["RateLimit-Limit"] == "1000"
    assert counts(sync.settings) == before


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded"])
def test_a_json_object_without_the_json_content_type_is_accepted(
    sync: Sync, content_type: str | None
) -> None:
    response = sync.send(b'{"source":"jira","external_id":"P-1"}', content_type)

    assert response.status_code == 201


def test_json_with_a_charset_is_accepted(sync: Sync) -> None:
    response = sync.send(
        b'{"source":"jira","external_id":"P-1"}', "application/json; charset=utf-8"
    )

    assert response.status_code == 201


# -- dry run -------------------------------------------------------------------------------


DRY_CASES = [
    pytest.param([], {**BASE, "status": "Waiting", "parent_external_id": "E-1"}, id="create"),
    pytest.param([BASE], {**BASE, "name": "Renamed", "status": "done"}, id="update"),
    pytest.param(
        [{**BASE, "updated_at": "2026-01-02T00:00:00Z"}],
        {**BASE, "updated_at": "2026-01-01T00:00:00Z"},
        id="stale",
    ),
]


@pytest.mark.parametrize(("earlier", "payload"), DRY_CASES)
def test_a_dry_run_answers_what_the_push_then_does_and_writes_nothing(
    sync: Sync, earlier: list[dict[str, Any]], payload: dict[str, Any]
) -> None:
    for previous in earlier:
        sync.push(previous)
    before = counts(sync.settings)

    dry = sync.push(payload, dry_run="true")
    assert counts(sync.settings) == before
    real = sync.push(payload)

    assert dry.status_code == real.status_code
    assert dry.json() == {**real.json(), "dry_run": True}


@pytest.mark.parametrize("value", ["false", "0"])
def test_dry_run_false_is_a_real_push(sync: Sync, value: str) -> None:
    response = sync.push(BASE, dry_run=value)

    assert response.status_code == 201
    assert "dry_run" not in response.json()


def test_dry_run_1_is_a_dry_run(sync: Sync) -> None:
    assert sync.push(BASE, dry_run="1").json()["dry_run"] is True
    assert counts(sync.settings)["tasks"] == 0


def test_a_dry_run_value_that_is_not_a_boolean_is_a_400(sync: Sync) -> None:
    response = sync.push(BASE, dry_run="yes please")

    assert response.status_code == 400
    assert problem_fields(response) == [
        {"field": "dry_run", "message": "must be true, false, 1 or 0"}
    ]


# -- rate limit ----------------------------------------------------------------------------


@pytest.fixture
def tight(tmp_path: Path, clock: FakeClock, admin_user: str) -> Iterator[Sync]:
    """An app whose projects may push three times a window (five during backfill)."""
    settings = load_settings(
        {},
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-of-at-least-32-bytes!",
        rate_limit=3,
        backfill_rate_limit=5,
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        admin = login(client, ADMIN_EMAIL)
        project_id = make_project(client, admin)
        old = mint(client, admin, project_id)["token"]
        clock.advance(61 * 60)  # past the token's backfill window
        yield Sync(client, settings, clock, admin, project_id, old)


def test_over_the_limit_is_a_429_that_writes_nothing(tight: Sync) -> None:
    answers = [tight.push({**BASE, "name": "" if n == 1 else "x"}) for n in range(3)]
    before = counts(tight.settings)

    refused = tight.push(BASE)

    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert refused.headers["RateLimit-Limit"] == "3"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["RateLimit-Reset"] == "60"
    assert refused.json()["status"] == 429
    assert counts(tight.settings) == before


def test_invalid_pushes_count_against_the_limit(tight: Sync) -> None:
    tight.push({"source": "Jira", "external_id": "P-1"})
    tight.send(b"hello", "text/plain")
    tight.push(BASE, dry_run="true")

    assert tight.push(BASE).status_code == 429


def test_the_window_slides(tight: Sync) -> None:
    for _ in range(3):
        tight.push(BASE)
    tight.clock.advance(60)

    assert tight.push(BASE).headers["RateLimit-Remaining"] == "2"


def test_a_token_in_its_backfill_window_gets_the_backfill_limit(tight: Sync) -> None:
    fresh = tight.mint()

    response = tight.client.post(tight.url, json=BASE, headers=bearer(fresh))

    assert response.headers["RateLimit-Limit"] == "5"


def test_a_database_that_refuses_writes_is_a_503_with_the_rate_limit_headers(
    sync: Sync, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(fn: Any) -> Any:
        raise StorageUnavailable("disk I/O error")

    monkeypatch.setattr(sync.client.app.state.services.db, "write", refuse)

    response = sync.push(BASE)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.headers["RateLimit-Remaining"] == "999"
    assert (
        response.json()["detail"] == "The database cannot take writes right now; retry later."
    )


# -- metrics and the OpenAPI document ------------------------------------------------------


def test_pushes_are_counted_by_result(sync: Sync) -> None:
    sync.push(BASE)
    sync.push(BASE)
    sync.push({**BASE, "name": "changed"})
    sync.push({**BASE, "source": "Jira"})

    text = sync.client.get("/metrics").text
    for result, count in [("created", 1), ("unchanged", 1), ("updated", 1), ("invalid", 1)]:
        assert f'tasksync_pushes_total{{result="{result}"}} {count}.0' in text


def test_the_openapi_document_describes_every_answer(sync: Sync) -> None:
    document = sync.client.get("/schema/openapi.json").json()
    operation = document["paths"]["/api/v1/projects/{project_id}/task-sync"]["post"]

    assert set(operation["responses"]) == {
        "200",
        "201",
        "400",
        "401",
        "408",
        "413",
        "415",
        "429",
        "503",
    }
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["source", "external_id"]
    assert body["additionalProperties"] is False
    assert set(body["properties"]) == {
        "source",
        "external_id",
        "name",
        "description",
        "status",
        "assignee_email",
        "story_points",
        "external_url",
        "parent_external_id",
        "updated_at",
    }


# -- concurrency, against a real server ----------------------------------------------------


def live_project(live_server: LiveServer) -> tuple[str, str]:
    with live_server.client() as client:
        admin = login(client, ADMIN_EMAIL)
        project_id = make_project(client, admin)
        return project_id, str(mint(client, admin, project_id)["token"])


async def fire(url: str, headers: dict[str, str], payloads: list[Any]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(payloads))
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        return list(
            await asyncio.gather(*(client.post(url, json=p, headers=headers) for p in payloads))
        )


def test_twenty_simultaneous_first_pushes_make_one_task(live_server: LiveServer) -> None:
    project_id, token = live_project(live_server)
    url = f"{live_server.url}/api/v1/projects/{project_id}/task-sync/"
    payload = {**BASE, "name": "Add CSV export", "status": "todo"}

    answers = asyncio.run(fire(url, bearer(token), [payload] * 20))

    assert sorted(a.status_code for a in answers) == [200] * 19 + [201]
    assert [a.json()["created"] for a in answers].count(True) == 1
    assert len({a.json()["task_id"] for a in answers}) == 1
    settings = load_settings({}, data_dir=live_server.data_dir)
    assert counts(settings)["tasks"] == 1
    assert len(rows(settings, "SELECT id FROM audit_entries WHERE action = 'used'")) == 20


def test_a_chunked_body_over_the_limit_is_a_413(live_server: LiveServer) -> None:
    project_id, token = live_project(live_server)
    url = f"{live_server.url}/api/v1/projects/{project_id}/task-sync/"

    def chunks() -> Iterator[bytes]:
        yield b'{"source":"jira","external_id":"P-1","description":"'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    with httpx.Client(timeout=30) as client:
        response = client.post(url, content=chunks(), headers=bearer(token))

    assert response.status_code == 413
    assert response.headers["RateLimit-Limit"] == "1000"


def test_the_request_line_names_the_token_prefix_and_never_the_token_or_body(
    sync: Sync, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="tasksync.request"):
        sync.push({**BASE, "description": "secret roadmap"})

    (line,) = [r for r in caplog.records if r.name == "tasksync.request"]
    assert line.__dict__["token_prefix"] == sync.token[5:13]
    assert line.__dict__["status"] == 201
    text = repr(line.__dict__)
    assert sync.token not in text
    assert "secret roadmap" not in text

"""Issue 3 over HTTP: the rate limit (SPEC 4.6) and what the audit log records (SPEC 5)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.clock import FakeClock
from server.config import Settings, load_settings
from server.tools import add_user
from tests.conftest import (
    ADMIN_EMAIL,
    PASSWORD,
    LiveServer,
    login,
    start_server,
    stop_server,
)
from tests.server.sync_helpers import counts, task

MINUTE = 60


def new_project(http: TestClient[Any] | httpx.Client, headers: dict[str, str]) -> str:
    response = http.post("/api/v1/projects/", json={"name": "Backlog"}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def mint(http: TestClient[Any] | httpx.Client, headers: dict[str, str], project: str) -> Any:
    response = http.post(
        f"/api/v1/projects/{project}/api-tokens/", json={"name": "relay"}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def push_url(project: str) -> str:
    return f"/api/v1/projects/{project}/task-sync/"


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def audit(
    http: TestClient[Any] | httpx.Client, headers: dict[str, str], project: str, query: str
) -> list[dict[str, Any]]:
    response = http.get(f"/api/v1/projects/{project}/api-token-audit/{query}", headers=headers)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def limits(response: httpx.Response) -> dict[str, str]:
    names = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After")
    return {name: response.headers[name] for name in names if name in response.headers}


# -- exact under concurrency, against a real server ------------------------------------------


@pytest.fixture
def limited_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server allowing 100 pushes a minute, backfill or not, behind no proxy."""
    data_dir = tmp_path / "live-data"
    add_user(load_settings({}, data_dir=data_dir), ADMIN_EMAIL, "Admin", PASSWORD)
    server = start_server(
        data_dir,
        TASKSYNC_RATE_LIMIT="100",
        TASKSYNC_BACKFILL_RATE_LIMIT="100",
        TASKSYNC_TRUSTED_PROXIES="10.0.0.0/8",
    )
    try:
        yield server
    finally:
        stop_server(server)


async def release_together(
    url: str, headers: dict[str, str], payloads: list[dict[str, Any]]
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(payloads))
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        return list(
            await asyncio.gather(*(client.post(url, json=p, headers=headers) for p in payloads))
        )


def test_150_simultaneous_pushes_against_100_admit_exactly_100(
    limited_server: LiveServer,
) -> None:
    with limited_server.client() as http:
        admin = login(http, ADMIN_EMAIL)
        project = new_project(http, admin)
        token = mint(http, admin, project)["token"]
        payloads = [{"source": "jira", "external_id": f"P-{n}"} for n in range(150)]
        # A client that forges where it comes from, talking straight to the server.
        headers = {**bearer(token), "X-Forwarded-For": "203.0.113.66"}

        answers = asyncio.run(
            release_together(limited_server.url + push_url(project), headers, payloads)
        )
        used = audit(http, admin, project, "?action=used&limit=500")

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 100 + [429] * 50
    refused = [a for a in answers if a.status_code == 429]
    assert {a.headers["Retry-After"] for a in refused} == {"60"}
    assert {a.headers["RateLimit-Remaining"] for a in refused} == {"0"}
    assert sorted(int(a.headers["RateLimit-Remaining"]) for a in answers if a.is_success) == (
        list(range(100))
    )
    assert len(used) == 100
    created = {a.json()["task_id"] for a in answers if a.is_success}
    assert {e["detail"]["task_id"] for e in used} == created
    assert {e["source_ip"] for e in used} == {"127.0.0.1"}


def test_a_trusted_proxy_forwards_the_client_address(tmp_path: Path) -> None:
    data_dir = tmp_path / "live-data"
    add_user(load_settings({}, data_dir=data_dir), ADMIN_EMAIL, "Admin", PASSWORD)
    server = start_server(data_dir, TASKSYNC_TRUSTED_PROXIES="127.0.0.1")
    try:
        with server.client() as http:
            admin = login(http, ADMIN_EMAIL)
            project = new_project(http, admin)
            token = mint(http, admin, project)["token"]
            forwarded = {**bearer(token), "X-Forwarded-For": "1.1.1.1, 203.0.113.66"}
            pushed = http.post(
                push_url(project),
                json={"source": "jira", "external_id": "P-1"},
                headers=forwarded,
            )
            used = audit(http, admin, project, "?action=used")
            minted = audit(http, admin, project, "?action=minted")
    finally:
        stop_server(server)

    assert pushed.status_code == 201
    assert [e["source_ip"] for e in used] == ["203.0.113.66"]
    assert [e["source_ip"] for e in minted] == ["127.0.0.1"]


# -- in process, on a clock the test moves ----------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Three pushes a window, five in the backfill window: small enough to fill by hand."""
    return load_settings(
        {},
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-of-at-least-32-bytes!",
        rate_limit=3,
        backfill_rate_limit=5,
    )


@pytest.fixture
def owner(client: TestClient[Any]) -> dict[str, str]:
    return login(client, ADMIN_EMAIL)


@pytest.fixture
def project(client: TestClient[Any], owner: dict[str, str]) -> str:
    return new_project(client, owner)


def old_token(
    client: TestClient[Any], clock: FakeClock, owner: dict[str, str], project: str
) -> str:
    """A token past its backfill window: the steady limit (3) applies."""
    raw = str(mint(client, owner, project)["token"])
    clock.advance(61 * MINUTE)
    return raw


def test_the_backfill_limit_follows_the_age_of_the_token(
    tmp_path: Path, clock: FakeClock, admin_user: str
) -> None:
    defaults = load_settings(
        {}, data_dir=tmp_path / "data", secret_key="test-secret-key-of-at-least-32-bytes!"
    )
    with TestClient(create_app(defaults, clock=clock)) as client:
        owner = login(client, ADMIN_EMAIL)
        project = new_project(client, owner)
        raw = mint(client, owner, project)["token"]
        invalid = {"source": "Jira", "external_id": "P-1"}  # counts, writes nothing

        clock.advance(59 * MINUTE)
        at_59 = [
            client.post(push_url(project), json=invalid, headers=bearer(raw))
            for _ in range(101)
        ]
        clock.advance(2 * MINUTE)
        at_61 = [
            client.post(push_url(project), json=invalid, headers=bearer(raw))
            for _ in range(101)
        ]

    assert {a.status_code for a in at_59} == {400}
    assert at_59[-1].headers["RateLimit-Limit"] == "1000"
    assert at_59[-1].headers["RateLimit-Remaining"] == "899"
    assert [a.status_code for a in at_61] == [400] * 100 + [429]
    assert at_61[0].headers["RateLimit-Limit"] == "100"


def test_rate_limit_headers_on_201_200_400_and_429(
    client: TestClient[Any], clock: FakeClock, owner: dict[str, str], project: str
) -> None:
    raw = old_token(client, clock, owner, project)
    url, headers = push_url(project), bearer(raw)

    created = client.post(url, json={"source": "jira", "external_id": "P-1"}, headers=headers)
    clock.advance(10)
    updated = client.post(
        url, json={"source": "jira", "external_id": "P-1", "name": "N"}, headers=headers
    )
    clock.advance(10)
    invalid = client.post(url, json={"source": "jira"}, headers=headers)
    clock.advance(10)
    refused = client.post(url, json={"source": "jira", "external_id": "P-1"}, headers=headers)

    assert [a.status_code for a in (created, updated, invalid, refused)] == [201, 200, 400, 429]
    assert limits(created) == {
        "RateLimit-Limit": "3",
        "RateLimit-Remaining": "2",
        "RateLimit-Reset": "60",
    }
    assert limits(updated) == {
        "RateLimit-Limit": "3",
        "RateLimit-Remaining": "1",
        "RateLimit-Reset": "50",
    }
    assert limits(invalid) == {
        "RateLimit-Limit": "3",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "40",
    }
    assert limits(refused) == {
        "RateLimit-Limit": "3",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "30",
        "Retry-After": "60",
    }
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["status"] == 429


def test_a_refused_push_changes_no_task_and_writes_no_used_entry(
    client: TestClient[Any],
    clock: FakeClock,
    settings: Settings,
    owner: dict[str, str],
    project: str,
) -> None:
    raw = old_token(client, clock, owner, project)
    url, headers = push_url(project), bearer(raw)
    first = client.post(
        url, json={"source": "jira", "external_id": "P-1", "name": "A"}, headers=headers
    )
    for _ in range(2):
        client.post(url, json={"source": "jira"}, headers=headers)
    before = counts(settings)

    refused = client.post(
        url, json={"source": "jira", "external_id": "P-1", "name": "B"}, headers=headers
    )

    assert refused.status_code == 429
    assert counts(settings) == before
    assert task(settings, first.json()["task_id"])["name"] == "A"
    assert len(audit(client, owner, project, "?action=used")) == 1


def test_refused_pushes_do_not_use_up_the_window(
    client: TestClient[Any], clock: FakeClock, owner: dict[str, str], project: str
) -> None:
    raw = old_token(client, clock, owner, project)
    url, headers = push_url(project), bearer(raw)
    invalid = {"source": "Jira", "external_id": "P-1"}
    for _ in range(3):
        client.post(url, json=invalid, headers=headers)
    clock.advance(30)
    refused = [client.post(url, json=invalid, headers=headers).status_code for _ in range(20)]
    clock.advance(30)  # the three admitted have left; the refused were never in

    after = client.post(url, json=invalid, headers=headers)

    assert set(refused) == {429}
    assert after.status_code == 400
    assert after.headers["RateLimit-Remaining"] == "2"


def test_a_forged_forwarded_for_from_an_untrusted_peer_is_not_recorded(
    client: TestClient[Any], owner: dict[str, str], project: str
) -> None:
    raw = mint(client, owner, project)["token"]

    client.post(
        push_url(project),
        json={"source": "jira", "external_id": "P-1"},
        headers={**bearer(raw), "X-Forwarded-For": "203.0.113.66"},
    )

    # The in-process test client's peer is named `testclient`: not an address, never trusted.
    assert [e["source_ip"] for e in audit(client, owner, project, "?action=used")] == [
        "testclient"
    ]


def test_a_revoked_token_presented_twice_in_a_minute_writes_one_rejected_entry(
    client: TestClient[Any], clock: FakeClock, owner: dict[str, str], project: str
) -> None:
    token = mint(client, owner, project)
    revoked = client.delete(
        f"/api/v1/projects/{project}/api-tokens/{token['id']}/", headers=owner
    )
    payload = {"source": "jira", "external_id": "P-1"}

    answers = [client.post(push_url(project), json=payload, headers=bearer(token["token"]))]
    clock.advance(59)
    answers.append(client.post(push_url(project), json=payload, headers=bearer(token["token"])))
    rejected_in_a_minute = audit(client, owner, project, "?action=rejected")
    clock.advance(2)
    answers.append(client.post(push_url(project), json=payload, headers=bearer(token["token"])))

    assert revoked.status_code == 204
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert all("RateLimit-Limit" not in a.headers for a in answers)
    assert len(rejected_in_a_minute) == 1
    assert rejected_in_a_minute[0]["token_prefix"] == token["token_prefix"]
    assert len(audit(client, owner, project, "?action=rejected")) == 2


def test_the_openapi_document_lists_the_429_of_task_sync(client: TestClient[Any]) -> None:
    document = client.get("/schema/openapi.json").json()
    responses = document["paths"]["/api/v1/projects/{project_id}/task-sync"]["post"][
        "responses"
    ]

    assert "429" in responses
    assert responses["429"]["content"]["application/problem+json"]

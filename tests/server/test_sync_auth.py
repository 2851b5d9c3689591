"""Token authentication of task-sync (SPEC 3): one 401, whatever went wrong."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from server.clock import FakeClock
from server.config import Settings
from server.services import Services
from tests.server.sync_helpers import (
    Sync,
    bearer,
    counts,
    make_project,
    mint,
    rows,
    setup_sync,
)

PAYLOAD = {"source": "jira", "external_id": "PROJ-1"}
GENERIC_401 = (
    b'{"type":"https://tasksync.dev/problems/unauthorized","title":"Unauthorized",'
    b'"status":401,"detail":"Send a valid API token of this project as '
    b'`Authorization: Bearer tppm_\xe2\x80\xa6`."}'
)


@pytest.fixture
def sync(client: TestClient[Any], settings: Settings, clock: FakeClock) -> Sync:
    return setup_sync(client, settings, clock)


def services_of(client: TestClient[Any]) -> Services:
    services: Services = client.app.state.services
    return services


def failing_requests(
    sync: Sync, admin: dict[str, str]
) -> dict[str, tuple[str, dict[str, str]]]:
    """The nine ways to fail, as (url, headers)."""
    other_project = make_project(sync.client, sync.admin, "Other")
    foreign = mint(sync.client, sync.admin, other_project)["token"]
    revoked = sync.mint_revoked()
    unknown = "tppm_" + "ab" * 32
    return {
        "no header": (sync.url, {}),
        "another scheme": (sync.url, {"Authorization": f"Basic {sync.token}"}),
        "malformed value": (sync.url, bearer("tppm_" + "AB" * 32)),
        "unknown token": (sync.url, bearer(unknown)),
        "revoked token": (sync.url, bearer(revoked)),
        "token of another project": (sync.url, bearer(foreign)),
        "nonexistent project": (
            f"/api/v1/projects/{uuid.uuid4()}/task-sync/",
            bearer(sync.token),
        ),
        "project id not a UUID": ("/api/v1/projects/not-a-uuid/task-sync/", bearer(sync.token)),
        "a JWT": (sync.url, admin),
    }


def test_the_nine_failures_answer_with_identical_bytes_and_headers(
    sync: Sync, admin: dict[str, str]
) -> None:
    requests = failing_requests(sync, admin)
    before = counts(sync.settings)
    answers: dict[str, httpx.Response] = {}
    for case, (url, headers) in requests.items():
        answers[case] = sync.client.post(url, json=PAYLOAD, headers=headers)

    for case, response in answers.items():
        assert response.status_code == 401, case
        assert response.content == GENERIC_401, case
        assert dict(response.headers) == {
            "www-authenticate": "Bearer",
            "content-type": "application/problem+json",
            "content-length": str(len(GENERIC_401)),
        }, case
    after = counts(sync.settings)
    assert after == {**before, "audit_entries": before["audit_entries"] + 1}  # the revoked one


def test_every_failure_does_the_same_work_one_hash_and_one_lookup(
    sync: Sync, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = services_of(sync.client)
    lookups: list[str] = []
    real_read = services.db.read

    async def counting_read(fn: Any) -> Any:
        lookups.append("read")
        return await real_read(fn)

    monkeypatch.setattr(services.db, "read", counting_read)
    sync.push(PAYLOAD)  # caches the project's own token, the fastest way to fail below

    for case, (url, headers) in failing_requests(sync, admin).items():
        lookups.clear()
        response = sync.client.post(url, json=PAYLOAD, headers=headers)
        assert response.status_code == 401
        assert lookups == ["read"], case


def test_401s_are_counted_and_do_not_use_the_rate_limit(sync: Sync, settings: Settings) -> None:
    for _ in range(3):
        assert sync.client.post(sync.url, json=PAYLOAD).status_code == 401

    response = sync.push(PAYLOAD)

    assert response.headers["RateLimit-Remaining"] == str(settings.backfill_rate_limit - 1)
    assert services_of(sync.client).metrics.auth_failures._value.get() == 3


def test_a_revoked_token_leaves_one_rejected_entry_a_minute(sync: Sync) -> None:
    revoked = sync.mint_revoked()
    prefix = revoked[5:13]
    for _ in range(3):
        assert (
            sync.client.post(sync.url, json=PAYLOAD, headers=bearer(revoked)).status_code == 401
        )
    sync.clock.advance(61)
    sync.client.post(sync.url, json=PAYLOAD, headers=bearer(revoked))

    entries = rows(
        sync.settings,
        "SELECT action, token_prefix, actor_id, source_ip, detail FROM audit_entries"
        " WHERE project_id = ? AND action = 'rejected' ORDER BY id",
        sync.project_id,
    )
    assert (
        entries
        == [
            {
                "action": "rejected",
                "token_prefix": prefix,
                "actor_id": None,
                "source_ip": "testclient",
                "detail": '{"reason":"revoked"}',
            }
        ]
        * 2
    )


def test_a_revoked_token_of_another_project_leaves_nothing(sync: Sync) -> None:
    other = make_project(sync.client, sync.admin, "Other")
    minted = mint(sync.client, sync.admin, other)
    sync.client.delete(
        f"/api/v1/projects/{other}/api-tokens/{minted['id']}/", headers=sync.admin
    )

    response = sync.client.post(sync.url, json=PAYLOAD, headers=bearer(minted["token"]))

    assert response.status_code == 401
    assert rows(sync.settings, "SELECT id FROM audit_entries WHERE action = 'rejected'") == []


def test_revocation_takes_effect_on_the_next_request_despite_the_cache(sync: Sync) -> None:
    minted = mint(sync.client, sync.admin, sync.project_id)
    headers = bearer(minted["token"])
    assert sync.client.post(sync.url, json=PAYLOAD, headers=headers).status_code == 201
    revoke = f"/api/v1/projects/{sync.project_id}/api-tokens/{minted['id']}/"
    assert sync.client.delete(revoke, headers=sync.admin).status_code == 204

    assert sync.client.post(sync.url, json=PAYLOAD, headers=headers).status_code == 401


def test_the_scheme_is_case_insensitive(sync: Sync) -> None:
    headers = {"Authorization": f"bearer {sync.token}"}

    assert sync.client.post(sync.url, json=PAYLOAD, headers=headers).status_code == 201


def test_an_upper_case_project_id_is_the_same_project(sync: Sync) -> None:
    url = f"/api/v1/projects/{sync.project_id.upper()}/task-sync/"

    assert sync.client.post(url, json=PAYLOAD, headers=bearer(sync.token)).status_code == 201

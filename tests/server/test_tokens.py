from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from litestar.testing import TestClient

from server.clock import FakeClock
from server.config import Settings
from server.storage.database import Database
from tests.conftest import create_user, login
from tests.server.test_projects import add_member, new_project


def tokens_url(project: str, token_id: str = "") -> str:
    return f"/api/v1/projects/{project}/api-tokens/" + (f"{token_id}/" if token_id else "")


def mint(
    client: TestClient[Any], headers: dict[str, str], project: str, **body: Any
) -> dict[str, Any]:
    response = client.post(tokens_url(project), json={"name": "Jira", **body}, headers=headers)
    assert response.status_code == 201, response.text
    minted: dict[str, Any] = response.json()
    return minted


def audit_rows(settings: Settings, project: str) -> list[tuple[Any, ...]]:
    with Database(settings.database_path).direct() as conn:
        rows = conn.execute(
            "SELECT action, token_prefix, actor_email, detail FROM audit_entries"
            " WHERE project_id = ? ORDER BY id",
            (project,),
        ).fetchall()
    return [tuple(row) for row in rows]


def test_mint_returns_the_raw_token_once_with_every_field(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project = new_project(client, admin)
    me = client.get("/api/v1/users/me/", headers=admin).json()["id"]

    response = client.post(
        tokens_url(project),
        json={"name": " Linear ", "status_map": {"Started": "IN_PROGRESS"}},
        headers=admin,
    )

    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"tppm_[0-9a-f]{64}", body["token"])
    assert body == {
        "id": body["id"],
        "name": "Linear",
        "token": body["token"],
        "token_prefix": body["token"][5:13],
        "status_map": {"started": "IN_PROGRESS"},
        "created_by": me,
        "created_at": "2026-01-01T12:00:00.000000Z",
        "backfill_until": "2026-01-01T13:00:00.000000Z",
        "last_used_at": None,
        "revoked_at": None,
    }
    with Database(settings.database_path).direct() as conn:
        stored = conn.execute("SELECT token_hash FROM api_tokens").fetchone()[0]
    assert stored == hashlib.sha256(body["token"].encode()).hexdigest()


def test_mint_writes_a_minted_audit_entry(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project = new_project(client, admin)

    minted = mint(client, admin, project, status_map={"done": "COMPLETE"})

    assert audit_rows(settings, project) == [
        (
            "minted",
            minted["token_prefix"],
            "admin@example.com",
            '{"name":"Jira","status_map":{"done":"COMPLETE"}}',
        )
    ]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        pytest.param(
            {"name": "  "},
            [{"field": "name", "message": "must be 1–128 characters after trimming"}],
            id="blank-name",
        ),
        pytest.param(
            {"name": "x" * 129},
            [{"field": "name", "message": "must be 1–128 characters after trimming"}],
            id="long-name",
        ),
        pytest.param(
            {"name": "J", "status_map": {"Shipped": "DONE"}},
            [
                {
                    "field": "status_map.Shipped",
                    "message": "'DONE' is not a status; use one of BACKLOG, NOT_STARTED,"
                    " IN_PROGRESS, REVIEW, ON_HOLD, COMPLETE",
                }
            ],
            id="bad-value",
        ),
        pytest.param(
            {"name": "J", "status_map": {"--": "COMPLETE"}},
            [{"field": "status_map.--", "message": "the key has no letters or digits"}],
            id="empty-key",
        ),
        pytest.param(
            {"name": "J", "status_map": {"In Review": "REVIEW", "in-review": "COMPLETE"}},
            [
                {
                    "field": "status_map.in-review",
                    "message": "normalises to 'in_review' like 'In Review',"
                    " with another status",
                }
            ],
            id="colliding-keys",
        ),
        pytest.param(
            {"name": "J", "status_map": {"a": 1}},
            [
                {
                    "field": "status_map.a",
                    "message": "1 is not a status; use one of BACKLOG, NOT_STARTED,"
                    " IN_PROGRESS, REVIEW, ON_HOLD, COMPLETE",
                }
            ],
            id="non-string-value",
        ),
        pytest.param(
            {"name": "J", "scopes": ["x"]},
            [
                {
                    "field": "scopes",
                    "message": "unknown field; accepted fields: name, status_map",
                }
            ],
            id="unknown-field",
        ),
    ],
)
def test_a_bad_mint_names_the_field(
    client: TestClient[Any], admin: dict[str, str], body: dict[str, Any], errors: Any
) -> None:
    project = new_project(client, admin)

    response = client.post(tokens_url(project), json=body, headers=admin)

    assert response.status_code == 400
    assert response.json()["errors"] == errors


def test_keys_that_normalise_alike_with_one_status_are_merged(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)

    minted = mint(
        client, admin, project, status_map={"In Review": "REVIEW", "in-review": "REVIEW"}
    )

    assert minted["status_map"] == {"in_review": "REVIEW"}


def test_a_status_map_holds_at_most_200_entries(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    too_many = {f"s{i}": "BACKLOG" for i in range(201)}

    response = client.post(
        tokens_url(project), json={"name": "J", "status_map": too_many}, headers=admin
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status_map"
    assert mint(client, admin, project, status_map=dict(list(too_many.items())[:200]))


def test_the_reference_mint_without_a_content_type_works(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)

    response = client.post(
        tokens_url(project),
        content=b'{"name": "Linear", "status_map": {"shipped": "COMPLETE"}}',
        headers={**admin, "Content-Type": ""},
    )

    assert response.status_code == 201


def test_an_eleventh_mint_in_a_minute_is_refused(
    client: TestClient[Any], admin: dict[str, str], clock: FakeClock
) -> None:
    project = new_project(client, admin)
    for _ in range(10):
        mint(client, admin, project)

    refused = client.post(tokens_url(project), json={"name": "J"}, headers=admin)
    clock.advance(60)
    later = client.post(tokens_url(project), json={"name": "J"}, headers=admin)

    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "60"
    assert later.status_code == 201


def test_minting_needs_a_manager_and_a_non_member_gets_404(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    create_user(client, admin, "member@example.com")
    add_member(client, admin, project, "member@example.com", "member")
    create_user(client, admin, "out@example.com")

    as_member = client.post(
        tokens_url(project), json={"name": "J"}, headers=login(client, "member@example.com")
    )
    as_outsider = client.post(
        tokens_url(project), json={"name": "J"}, headers=login(client, "out@example.com")
    )

    assert as_member.status_code == 403
    assert as_outsider.status_code == 404


def test_a_token_cannot_mint_or_list_tokens(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    bearer = {"Authorization": f"Bearer {mint(client, admin, project)['token']}"}

    minting = client.post(tokens_url(project), json={"name": "J"}, headers=bearer)
    listing = client.get(tokens_url(project), headers=bearer)

    assert minting.status_code == listing.status_code == 401


def test_list_and_read_never_show_the_raw_token(
    client: TestClient[Any], admin: dict[str, str], clock: FakeClock
) -> None:
    project = new_project(client, admin)
    older = mint(client, admin, project, name="Older")
    clock.advance(1)
    newer = mint(client, admin, project, name="Newer")
    client.delete(tokens_url(project, older["id"]), headers=admin)
    create_user(client, admin, "viewer@example.com")
    add_member(client, admin, project, "viewer@example.com", "viewer")
    viewer = login(client, "viewer@example.com")

    listed = client.get(tokens_url(project), headers=viewer)
    read = client.get(tokens_url(project, newer["id"]), headers=viewer)

    assert listed.status_code == read.status_code == 200
    assert [t["name"] for t in listed.json()["results"]] == ["Newer", "Older"]
    assert listed.json()["results"][1]["revoked_at"] == "2026-01-01T12:00:01.000000Z"
    expected = {key: value for key, value in newer.items() if key != "token"}
    assert read.json() == expected
    assert listed.json()["results"][0] == expected
    assert newer["token"] not in listed.text + read.text


def test_a_token_of_another_project_is_not_found(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    one, other = new_project(client, admin), new_project(client, admin, "Other")
    token = mint(client, admin, one)

    assert client.get(tokens_url(other, token["id"]), headers=admin).status_code == 404
    assert client.delete(tokens_url(other, token["id"]), headers=admin).status_code == 404


def test_revoking_twice_is_204_with_one_audit_entry(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project = new_project(client, admin)
    token = mint(client, admin, project)

    first = client.delete(tokens_url(project, token["id"]), headers=admin)
    second = client.delete(tokens_url(project, token["id"]), headers=admin)

    assert first.status_code == second.status_code == 204
    assert first.content == second.content == b""
    assert [row[0] for row in audit_rows(settings, project)] == ["minted", "revoked"]
    assert audit_rows(settings, project)[1][3] == '{"name":"Jira"}'


def test_a_revoked_token_cannot_push_the_very_next_request(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    token = mint(client, admin, project)
    bearer = {"Authorization": f"Bearer {token['token']}"}
    push = {"source": "jira", "external_id": "KEY-1"}
    sync_url = f"/api/v1/projects/{project}/task-sync/"
    assert client.post(sync_url, json=push, headers=bearer).status_code == 201

    client.delete(tokens_url(project, token["id"]), headers=admin)

    assert client.post(sync_url, json=push, headers=bearer).status_code == 401


def test_revoking_needs_a_manager(client: TestClient[Any], admin: dict[str, str]) -> None:
    project = new_project(client, admin)
    token = mint(client, admin, project)
    create_user(client, admin, "member@example.com")
    add_member(client, admin, project, "member@example.com", "member")

    response = client.delete(
        tokens_url(project, token["id"]), headers=login(client, "member@example.com")
    )

    assert response.status_code == 403


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_token_is_immutable(
    client: TestClient[Any], admin: dict[str, str], method: str
) -> None:
    project = new_project(client, admin)
    token = mint(client, admin, project)

    response = client.request(
        method, tokens_url(project, token["id"]), json={"name": "Renamed"}, headers=admin
    )

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, DELETE"
    assert response.json() == {
        "type": "https://tasksync.dev/problems/method-not-allowed",
        "title": "Method not allowed",
        "status": 405,
        "detail": "A token's name and status map cannot change; mint a new token and revoke"
        " this one.",
    }
    assert client.get(tokens_url(project, token["id"]), headers=admin).json()["name"] == "Jira"


def test_any_other_wrong_method_is_a_problem_405(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)

    response = client.put(tokens_url(project), json={}, headers=admin)

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 405

"""GET /api/v1/projects/{id}/relays/{kind}/: any member downloads a relay (SPEC 7)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from relays.generator import KINDS, render
from tests.conftest import create_user, login


def make_project(client: TestClient[Any], headers: dict[str, str]) -> str:
    response = client.post("/api/v1/projects/", json={"name": "Relays"}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.mark.parametrize("kind", list(KINDS))
def test_member_downloads_the_relay_with_this_server_and_project_written_in(
    kind: str, client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = make_project(client, admin)

    response = client.get(f"/api/v1/projects/{project}/relays/{kind}/", headers=admin)

    assert response.status_code == 200, response.text
    expected = render(kind, url=str(client.base_url), project_id=project)
    assert response.text == expected.text
    assert response.headers["content-type"].startswith(expected.content_type)
    assert expected.filename in response.headers["content-disposition"]


def test_public_url_can_be_given_for_servers_behind_a_proxy(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = make_project(client, admin)

    response = client.get(
        f"/api/v1/projects/{project}/relays/jira-relay/",
        params={"url": "https://tasks.example.com"},
        headers=admin,
    )

    assert response.status_code == 200
    assert f"'https://tasks.example.com/api/v1/projects/{project}/task-sync/'" in response.text


def test_bad_public_url_is_a_400_naming_the_field(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = make_project(client, admin)

    response = client.get(
        f"/api/v1/projects/{project}/relays/jira-relay/",
        params={"url": "ftp://x"},
        headers=admin,
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "url"


def test_unknown_kind_is_a_404_listing_the_kinds(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = make_project(client, admin)

    response = client.get(f"/api/v1/projects/{project}/relays/zapier/", headers=admin)

    assert response.status_code == 404
    assert "github-actions" in response.json()["detail"]


def test_non_member_gets_404_and_anonymous_gets_401(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = make_project(client, admin)
    create_user(client, admin, "outsider@example.com")
    outsider = login(client, "outsider@example.com")

    as_outsider = client.get(f"/api/v1/projects/{project}/relays/jira-relay/", headers=outsider)
    anonymous = client.get(f"/api/v1/projects/{project}/relays/jira-relay/")

    assert as_outsider.status_code == 404
    assert anonymous.status_code == 401


def test_a_viewer_may_download(client: TestClient[Any], admin: dict[str, str]) -> None:
    project = make_project(client, admin)
    create_user(client, admin, "viewer@example.com")
    added = client.post(
        f"/api/v1/projects/{project}/members/",
        json={"email": "viewer@example.com", "role": "viewer"},
        headers=admin,
    )
    assert added.status_code == 201, added.text

    response = client.get(
        f"/api/v1/projects/{project}/relays/linear-vercel/",
        headers=login(client, "viewer@example.com"),
    )

    assert response.status_code == 200

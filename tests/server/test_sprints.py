from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import create_user, login
from tests.server.test_projects import add_member, new_project


def sprints_url(project: str) -> str:
    return f"/api/v1/projects/{project}/sprints/"


def test_a_manager_creates_a_sprint(client: TestClient[Any], admin: dict[str, str]) -> None:
    project = new_project(client, admin)

    response = client.post(
        sprints_url(project),
        json={"name": " Sprint 1 ", "start": "2026-01-05", "end": "2026-01-16"},
        headers=admin,
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Sprint 1",
        "start": "2026-01-05",
        "end": "2026-01-16",
        "created_at": "2026-01-01T12:00:00.000000Z",
    }


def test_any_member_lists_sprints_in_calendar_order(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    for name, start in [("Second", "2026-02-01"), ("First", "2026-01-01")]:
        client.post(
            sprints_url(project),
            json={"name": name, "start": start, "end": start},
            headers=admin,
        )
    create_user(client, admin, "viewer@example.com")
    add_member(client, admin, project, "viewer@example.com", "viewer")

    response = client.get(sprints_url(project), headers=login(client, "viewer@example.com"))

    assert response.status_code == 200
    assert [s["name"] for s in response.json()["results"]] == ["First", "Second"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            {"name": "S", "start": "2026-01-05", "end": "2026-01-04"}, "end", id="end"
        ),
        pytest.param(
            {"name": " ", "start": "2026-01-05", "end": "2026-01-05"}, "name", id="name"
        ),
        pytest.param(
            {"name": "S", "start": "05/01/2026", "end": "2026-01-05"}, "start", id="date"
        ),
        pytest.param(
            {"name": "S", "start": "2026-02-30", "end": "2026-03-01"}, "start", id="day"
        ),
        pytest.param({"name": "S", "start": "2026-01-05"}, "end", id="missing"),
    ],
)
def test_a_bad_sprint_names_the_field(
    client: TestClient[Any], admin: dict[str, str], body: dict[str, Any], field: str
) -> None:
    project = new_project(client, admin)

    response = client.post(sprints_url(project), json=body, headers=admin)

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_member_cannot_create_a_sprint_and_a_non_member_gets_404(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    create_user(client, admin, "member@example.com")
    add_member(client, admin, project, "member@example.com", "member")
    create_user(client, admin, "out@example.com")
    body = {"name": "S", "start": "2026-01-05", "end": "2026-01-05"}

    as_member = client.post(
        sprints_url(project), json=body, headers=login(client, "member@example.com")
    )
    as_outsider = client.get(sprints_url(project), headers=login(client, "out@example.com"))

    assert as_member.status_code == 403
    assert as_outsider.status_code == 404

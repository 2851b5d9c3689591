from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from server.clock import FakeClock
from server.config import Settings
from server.storage.database import Database
from tests.conftest import create_user, login
from tests.server.test_projects import add_member, insert_pushed_task, new_project


def tasks_url(project: str, task_id: str = "", rest: str = "") -> str:
    return f"/api/v1/projects/{project}/tasks/" + (f"{task_id}/" if task_id else "") + rest


def seeded(
    client: TestClient[Any], admin: dict[str, str], settings: Settings, count: int
) -> tuple[str, list[str]]:
    """A project with `count` pushed tasks, oldest first."""
    project = new_project(client, admin)
    with Database(settings.database_path).direct() as conn:
        ids = [insert_pushed_task(conn, project, n) for n in range(1, count + 1)]
    return project, ids


def sprint(client: TestClient[Any], admin: dict[str, str], project: str) -> str:
    response = client.post(
        f"/api/v1/projects/{project}/sprints/",
        json={"name": "S1", "start": "2026-01-05", "end": "2026-01-16"},
        headers=admin,
    )
    return str(response.json()["id"])


def test_a_pushed_task_reads_with_its_link_and_children(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    token = client.post(
        f"/api/v1/projects/{project}/api-tokens/", json={"name": "Jira"}, headers=admin
    ).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    sync = f"/api/v1/projects/{project}/task-sync/"
    parent = client.post(
        sync,
        json={
            "source": "jira",
            "external_id": "EPIC-1",
            "name": "Epic",
            "status": "In Progress",
            "story_points": 5,
            "external_url": "https://jira.example.com/browse/EPIC-1",
            "assignee_email": "nobody@example.com",
        },
        headers=bearer,
    ).json()
    child = client.post(
        sync,
        json={"source": "jira", "external_id": "KEY-2", "parent_external_id": "EPIC-1"},
        headers=bearer,
    ).json()

    response = client.get(tasks_url(project, parent["task_id"]), headers=admin)

    assert response.status_code == 200
    assert response.json() == {
        "id": parent["task_id"],
        "short_id": "00000001",
        "name": "Epic",
        "description": None,
        "status": "IN_PROGRESS",
        "story_points": 5,
        "assignee": None,
        "sprint_id": None,
        "parent_id": None,
        "created_at": "2026-01-01T12:00:00.000000Z",
        "updated_at": "2026-01-01T12:00:00.000000Z",
        "link": {
            "source": "jira",
            "external_id": "EPIC-1",
            "external_url": "https://jira.example.com/browse/EPIC-1",
            "pending_assignee_email": "nobody@example.com",
            "parent_external_id": None,
            "updated_at": None,
            "last_synced_at": "2026-01-01T12:00:00.000000Z",
        },
        "children": [child["task_id"]],
    }


def test_paging_returns_every_task_exactly_once_newest_first(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project, ids = seeded(client, admin, settings, 7)
    seen: list[str] = []
    url: str | None = tasks_url(project) + "?limit=3"

    while url is not None:
        page = client.get(url, headers=admin).json()
        seen += [task["id"] for task in page["results"]]
        url = page["next"]

    assert seen == list(reversed(ids))


def test_next_keeps_the_filters(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project, ids = seeded(client, admin, settings, 3)

    page = client.get(tasks_url(project) + "?limit=1&source=jira", headers=admin).json()

    assert page["next"] == (
        f"http://testserver.local{tasks_url(project)}?limit=1&source=jira&before={ids[2]}"
    )


def test_the_last_page_has_no_next(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project, _ = seeded(client, admin, settings, 2)

    page = client.get(tasks_url(project) + "?limit=2", headers=admin).json()

    assert len(page["results"]) == 2
    assert page["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("?limit=0", "limit", id="limit-low"),
        pytest.param("?limit=501", "limit", id="limit-high"),
        pytest.param("?status=DONE", "status", id="status"),
        pytest.param("?before=nope", "before", id="cursor"),
    ],
)
def test_bad_list_parameters_name_the_field(
    client: TestClient[Any], admin: dict[str, str], query: str, field: str
) -> None:
    project = new_project(client, admin)

    response = client.get(tasks_url(project) + query, headers=admin)

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_filters_by_status_source_sprint_and_name(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project = new_project(client, admin)
    sprint_id = sprint(client, admin, project)
    with Database(settings.database_path).direct() as conn:
        fix = insert_pushed_task(conn, project, 1, name="Fix 100% of LOGIN bugs")
        other = insert_pushed_task(conn, project, 2, name="Fix login_page", source="linear")
        planned = insert_pushed_task(conn, project, 3, name="Plan")
        conn.execute("UPDATE tasks SET status = 'REVIEW' WHERE id = ?", (other,))
        conn.execute("UPDATE tasks SET sprint_id = ? WHERE id = ?", (sprint_id, planned))

    def ids(query: str) -> list[str]:
        response = client.get(tasks_url(project) + query, headers=admin)
        assert response.status_code == 200, response.text
        return [task["id"] for task in response.json()["results"]]

    assert ids("?status=REVIEW") == [other]
    assert ids("?source=jira") == [planned, fix]
    assert ids(f"?sprint={sprint_id}") == [planned]
    assert ids("?sprint=none") == [other, fix]
    assert ids("?q=login") == [other, fix]
    assert ids("?q=100%25") == [fix]
    assert ids("?q=login_") == [other]
    assert ids("?q=%25") == [fix]


def test_a_member_patches_a_task_and_history_records_it(
    client: TestClient[Any], admin: dict[str, str], settings: Settings, clock: FakeClock
) -> None:
    project, (task_id,) = seeded(client, admin, settings, 1)
    sprint_id = sprint(client, admin, project)
    priya = create_user(client, admin, "priya@example.com", "Priya")
    add_member(client, admin, project, "priya@example.com", "member")
    clock.advance(60)

    response = client.patch(
        tasks_url(project, task_id),
        json={
            "name": " Renamed ",
            "status": "IN_PROGRESS",
            "assignee_id": priya["id"],
            "sprint_id": sprint_id,
            "story_points": 8,
        },
        headers=login(client, "priya@example.com"),
    )

    assert response.status_code == 200
    task = response.json()
    assert (task["name"], task["status"], task["sprint_id"], task["story_points"]) == (
        "Renamed",
        "IN_PROGRESS",
        sprint_id,
        8,
    )
    assert task["assignee"] == {
        "id": priya["id"],
        "email": "priya@example.com",
        "name": "Priya",
    }
    assert task["updated_at"] == "2026-01-01T12:01:00.000000Z"
    history = client.get(tasks_url(project, task_id, "history/"), headers=admin).json()
    assert history == {
        "results": [
            {
                "id": history["results"][0]["id"],
                "actor": {"user_id": priya["id"], "email": "priya@example.com"},
                "changes": [
                    {"field": "name", "old": "Task 1", "new": "Renamed"},
                    {"field": "status", "old": "BACKLOG", "new": "IN_PROGRESS"},
                    {"field": "assignee_id", "old": None, "new": priya["id"]},
                    {"field": "sprint_id", "old": None, "new": sprint_id},
                    {"field": "story_points", "old": None, "new": 8},
                ],
                "created_at": "2026-01-01T12:01:00.000000Z",
            }
        ]
    }


def test_a_patch_that_changes_nothing_writes_no_history(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project, (task_id,) = seeded(client, admin, settings, 1)

    same = client.patch(
        tasks_url(project, task_id), json={"name": "Task 1", "status": "BACKLOG"}, headers=admin
    )
    empty = client.patch(tasks_url(project, task_id), json={}, headers=admin)

    assert same.status_code == empty.status_code == 200
    history = client.get(tasks_url(project, task_id, "history/"), headers=admin).json()
    assert history == {"results": []}


def test_null_clears_the_assignee_sprint_and_points(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project, (task_id,) = seeded(client, admin, settings, 1)
    me = client.get("/api/v1/users/me/", headers=admin).json()["id"]
    client.patch(
        tasks_url(project, task_id), json={"assignee_id": me, "story_points": 3}, headers=admin
    )

    response = client.patch(
        tasks_url(project, task_id),
        json={"assignee_id": None, "sprint_id": None, "story_points": None},
        headers=admin,
    )

    task = response.json()
    assert (task["assignee"], task["sprint_id"], task["story_points"]) == (None, None, None)
    changes = client.get(tasks_url(project, task_id, "history/"), headers=admin).json()
    assert changes["results"][1]["changes"] == [
        {"field": "assignee_id", "old": me, "new": None},
        {"field": "story_points", "old": 3, "new": None},
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"title": "x"}, "title", id="unknown-field"),
        pytest.param({"status": "DONE"}, "status", id="status"),
        pytest.param({"name": "  "}, "name", id="blank-name"),
        pytest.param({"story_points": 1000}, "story_points", id="points-high"),
        pytest.param({"story_points": 2.5}, "story_points", id="points-float"),
        pytest.param({"assignee_id": "someone"}, "assignee_id", id="not-a-member"),
        pytest.param({"sprint_id": "nope"}, "sprint_id", id="not-a-sprint"),
    ],
)
def test_a_bad_patch_names_the_field(
    client: TestClient[Any],
    admin: dict[str, str],
    settings: Settings,
    body: dict[str, Any],
    field: str,
) -> None:
    project, (task_id,) = seeded(client, admin, settings, 1)

    response = client.patch(tasks_url(project, task_id), json=body, headers=admin)

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("bad", id="not-an-id"),
        pytest.param("NONE", id="none-in-capitals"),
        pytest.param("00000000-0000-4000-8000-000000000000", id="unknown-uuid"),
        pytest.param("other-project", id="another-projects-sprint"),
    ],
)
def test_a_sprint_filter_that_is_no_sprint_of_this_project_is_a_400(
    client: TestClient[Any], admin: dict[str, str], settings: Settings, value: str
) -> None:
    project, _ = seeded(client, admin, settings, 1)
    if value == "other-project":
        value = sprint(client, admin, new_project(client, admin, "Other"))

    response = client.get(tasks_url(project) + f"?sprint={value}", headers=admin)

    assert response.status_code == 400
    assert response.json() == {
        "type": "https://tasksync.dev/problems/invalid-request",
        "title": "Invalid request",
        "status": 400,
        "detail": "sprint: must be a sprint id of this project or none",
        "errors": [
            {"field": "sprint", "message": "must be a sprint id of this project or none"}
        ],
    }


def test_a_sprint_of_another_project_is_refused(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project, (task_id,) = seeded(client, admin, settings, 1)
    elsewhere = sprint(client, admin, new_project(client, admin, "Other"))

    response = client.patch(
        tasks_url(project, task_id), json={"sprint_id": elsewhere}, headers=admin
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "sprint_id", "message": "is not a sprint of this project"}
    ]


def test_a_viewer_reads_but_cannot_patch_and_a_non_member_gets_404(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project, (task_id,) = seeded(client, admin, settings, 1)
    create_user(client, admin, "viewer@example.com")
    add_member(client, admin, project, "viewer@example.com", "viewer")
    viewer = login(client, "viewer@example.com")
    create_user(client, admin, "out@example.com")
    outsider = login(client, "out@example.com")

    assert client.get(tasks_url(project, task_id), headers=viewer).status_code == 200
    assert (
        client.get(tasks_url(project, task_id, "history/"), headers=viewer).status_code == 200
    )
    patched = client.patch(tasks_url(project, task_id), json={"name": "x"}, headers=viewer)
    assert patched.status_code == 403
    for url in [tasks_url(project), tasks_url(project, task_id)]:
        assert client.get(url, headers=outsider).status_code == 404


def test_a_task_of_another_project_is_not_found(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    _, (task_id,) = seeded(client, admin, settings, 1)
    other = new_project(client, admin, "Other")

    assert client.get(tasks_url(other, task_id), headers=admin).status_code == 404
    assert client.get(tasks_url(other, task_id, "history/"), headers=admin).status_code == 404
    patched = client.patch(tasks_url(other, task_id), json={"name": "x"}, headers=admin)
    assert patched.status_code == 404

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from server.config import Settings
from server.storage.database import Database
from tests.conftest import create_user, login
from tests.server.test_projects import add_member, insert_pushed_task, new_project


def members_url(project: str, user_id: str = "") -> str:
    return f"/api/v1/projects/{project}/members/" + (f"{user_id}/" if user_id else "")


def team(client: TestClient[Any], admin: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """An admin-owned project with a manager, a member and a viewer: their ids and logins."""
    project = new_project(client, admin)
    people: dict[str, Any] = {}
    for role in ["manager", "member", "viewer"]:
        email = f"{role}@example.com"
        user = create_user(client, admin, email)
        add_member(client, admin, project, email, role)
        people[role] = {"id": user["id"], "headers": login(client, email)}
    return project, people


def admin_id(client: TestClient[Any], admin: dict[str, str]) -> str:
    return str(client.get("/api/v1/users/me/", headers=admin).json()["id"])


def test_adding_a_member_returns_them_with_their_role(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    priya = create_user(client, admin, "priya@example.com", "Priya")

    response = client.post(
        members_url(project),
        json={"email": "PRIYA@example.com", "role": "member"},
        headers=admin,
    )

    assert response.status_code == 201
    assert response.json() == {
        "user_id": priya["id"],
        "email": "priya@example.com",
        "name": "Priya",
        "role": "member",
        "created_at": "2026-01-01T12:00:00.000000Z",
    }


def test_any_member_lists_members_in_joining_order(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project, people = team(client, admin)

    response = client.get(members_url(project), headers=people["viewer"]["headers"])

    assert response.status_code == 200
    assert [(m["email"], m["role"]) for m in response.json()["results"]] == [
        ("admin@example.com", "owner"),
        ("manager@example.com", "manager"),
        ("member@example.com", "member"),
        ("viewer@example.com", "viewer"),
    ]


def test_adding_someone_with_no_account_names_the_email(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)

    response = client.post(
        members_url(project), json={"email": "ghost@example.com"}, headers=admin
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "email",
            "message": "no user has this email; an administrator creates the account first",
        }
    ]


def test_an_unknown_role_names_the_valid_ones(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    create_user(client, admin, "priya@example.com")

    response = client.post(
        members_url(project), json={"email": "priya@example.com", "role": "boss"}, headers=admin
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "role", "message": "must be one of viewer, member, manager, owner"}
    ]


def test_adding_an_existing_member_is_a_conflict(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project, _ = team(client, admin)

    response = client.post(
        members_url(project), json={"email": "viewer@example.com"}, headers=admin
    )

    assert response.status_code == 409
    assert (
        response.json()["detail"] == "viewer@example.com is already a member of this project."
    )


def test_a_member_cannot_add_members_but_a_non_member_gets_404(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project, people = team(client, admin)
    create_user(client, admin, "new@example.com")
    outsider = login(client, create_user(client, admin, "out@example.com")["email"])
    body = {"email": "new@example.com", "role": "viewer"}

    as_member = client.post(
        members_url(project), json=body, headers=people["member"]["headers"]
    )
    as_outsider = client.post(members_url(project), json=body, headers=outsider)

    assert as_member.status_code == 403
    assert as_member.json()["detail"] == "This needs the manager role or above; you are member."
    assert as_outsider.status_code == 404


def test_only_an_owner_makes_an_owner(client: TestClient[Any], admin: dict[str, str]) -> None:
    project, people = team(client, admin)
    manager = people["manager"]["headers"]
    create_user(client, admin, "new@example.com")

    add_owner = client.post(
        members_url(project),
        json={"email": "new@example.com", "role": "owner"},
        headers=manager,
    )
    promote = client.patch(
        members_url(project, people["member"]["id"]), json={"role": "owner"}, headers=manager
    )
    by_owner = client.patch(
        members_url(project, people["member"]["id"]), json={"role": "owner"}, headers=admin
    )

    assert add_owner.status_code == promote.status_code == 403
    assert promote.json()["detail"] == "Only an owner can make or remove an owner."
    assert by_owner.status_code == 200
    assert by_owner.json()["role"] == "owner"


def test_a_manager_cannot_demote_or_remove_an_owner(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project, people = team(client, admin)
    manager = people["manager"]["headers"]
    owner_id = admin_id(client, admin)

    demote = client.patch(
        members_url(project, owner_id), json={"role": "viewer"}, headers=manager
    )
    remove = client.delete(members_url(project, owner_id), headers=manager)

    assert demote.status_code == remove.status_code == 403


def test_a_manager_changes_roles_and_removes_members(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project, people = team(client, admin)
    manager = people["manager"]["headers"]

    changed = client.patch(
        members_url(project, people["viewer"]["id"]), json={"role": "member"}, headers=manager
    )
    removed = client.delete(members_url(project, people["member"]["id"]), headers=manager)

    assert changed.status_code == 200
    assert changed.json()["role"] == "member"
    assert removed.status_code == 204
    assert (
        client.get(
            f"/api/v1/projects/{project}/", headers=people["member"]["headers"]
        ).status_code
        == 404
    )


def test_the_last_owner_can_neither_leave_nor_be_demoted(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    owner_id = admin_id(client, admin)

    leave = client.delete(members_url(project, owner_id), headers=admin)
    demote = client.patch(
        members_url(project, owner_id), json={"role": "manager"}, headers=admin
    )

    assert leave.status_code == demote.status_code == 409
    assert leave.json()["detail"] == (
        "The last owner cannot be removed; make another member an owner first."
    )
    assert demote.json()["detail"] == (
        "The last owner cannot be demoted; make another member an owner first."
    )


def test_an_owner_can_leave_once_there_is_another_owner(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project, people = team(client, admin)
    client.patch(
        members_url(project, people["manager"]["id"]), json={"role": "owner"}, headers=admin
    )

    response = client.delete(members_url(project, admin_id(client, admin)), headers=admin)

    assert response.status_code == 204
    assert client.get(f"/api/v1/projects/{project}/", headers=admin).status_code == 404


def test_any_member_can_leave_on_their_own(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project, people = team(client, admin)
    viewer = people["viewer"]

    response = client.delete(members_url(project, viewer["id"]), headers=viewer["headers"])

    assert response.status_code == 204


def test_changing_someone_who_is_not_a_member_is_a_404(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    stranger = create_user(client, admin, "stranger@example.com")

    response = client.patch(
        members_url(project, stranger["id"]), json={"role": "viewer"}, headers=admin
    )

    assert response.status_code == 404
    assert response.json()["detail"] == "No such member of this project."


def test_a_parked_email_resolves_on_every_task_the_moment_its_owner_joins(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project = new_project(client, admin)
    with Database(settings.database_path).direct() as conn:
        parked = [
            insert_pushed_task(conn, project, n, parked="priya@example.com") for n in (1, 2, 3)
        ]
        other = insert_pushed_task(conn, project, 4, parked="someone@example.com")
    priya = create_user(client, admin, "Priya@Example.com", "Priya")
    me = admin_id(client, admin)

    add_member(client, admin, project, "priya@example.com", "member")

    for task_id in parked:
        task = client.get(f"/api/v1/projects/{project}/tasks/{task_id}/", headers=admin).json()
        assert task["assignee"] == {
            "id": priya["id"],
            "email": "Priya@Example.com",
            "name": "Priya",
        }
        assert task["link"]["pending_assignee_email"] is None
        history = client.get(
            f"/api/v1/projects/{project}/tasks/{task_id}/history/", headers=admin
        ).json()["results"]
        assert [(h["actor"], h["changes"]) for h in history] == [
            (
                {"user_id": me, "email": "admin@example.com"},
                [
                    {"field": "assignee_id", "old": None, "new": priya["id"]},
                    {
                        "field": "pending_assignee_email",
                        "old": "priya@example.com",
                        "new": None,
                    },
                ],
            )
        ]
    untouched = client.get(f"/api/v1/projects/{project}/tasks/{other}/", headers=admin).json()
    assert untouched["assignee"] is None
    detail = client.get(f"/api/v1/projects/{project}/", headers=admin).json()
    assert detail["unresolved_assignee_count"] == 1


def test_a_parked_email_never_replaces_an_assignee(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project = new_project(client, admin)
    me = admin_id(client, admin)
    with Database(settings.database_path).direct() as conn:
        task_id = insert_pushed_task(conn, project, 1, parked="priya@example.com")
        conn.execute("UPDATE tasks SET assignee_id = ? WHERE id = ?", (me, task_id))
    create_user(client, admin, "priya@example.com")

    add_member(client, admin, project, "priya@example.com", "member")

    task = client.get(f"/api/v1/projects/{project}/tasks/{task_id}/", headers=admin).json()
    assert task["assignee"]["id"] == me


def test_pushed_tasks_parking_an_email_are_assigned_when_its_owner_joins(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    token = client.post(
        f"/api/v1/projects/{project}/api-tokens/", json={"name": "Jira"}, headers=admin
    ).json()["token"]
    pushed = [
        client.post(
            f"/api/v1/projects/{project}/task-sync/",
            json={"source": "jira", "external_id": f"KEY-{n}", "assignee_email": "SAM@x.io"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["task_id"]
        for n in (1, 2, 3)
    ]
    sam = create_user(client, admin, "sam@x.io")
    before = client.get(f"/api/v1/projects/{project}/pending-assignees/", headers=admin)

    add_member(client, admin, project, "sam@x.io", "viewer")

    assert before.json() == {"results": [{"email": "sam@x.io", "task_count": 3}]}
    after = client.get(f"/api/v1/projects/{project}/pending-assignees/", headers=admin)
    assert after.json() == {"results": []}
    tasks = client.get(f"/api/v1/projects/{project}/tasks/", headers=admin).json()["results"]
    assert {task["id"]: task["assignee"]["id"] for task in tasks} == dict.fromkeys(
        pushed, sam["id"]
    )


def test_pending_assignees_are_hidden_from_non_members(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    create_user(client, admin, "out@example.com")

    response = client.get(
        f"/api/v1/projects/{project}/pending-assignees/",
        headers=login(client, "out@example.com"),
    )

    assert response.status_code == 404

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from server.storage.database import Database
from tests.conftest import create_user, login


def new_project(client: TestClient[Any], headers: dict[str, str], name: str = "Apollo") -> str:
    response = client.post("/api/v1/projects/", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def add_member(
    client: TestClient[Any], headers: dict[str, str], project: str, email: str, role: str
) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/projects/{project}/members/",
        json={"email": email, "role": role},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def person(client: TestClient[Any], admin: dict[str, str], email: str) -> dict[str, str]:
    """A new user's login headers."""
    create_user(client, admin, email)
    return login(client, email)


def test_the_creator_owns_a_new_project(client: TestClient[Any], admin: dict[str, str]) -> None:
    response = client.post("/api/v1/projects/", json={"name": "  Apollo  "}, headers=admin)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "created_at", "role"}
    assert body["name"] == "Apollo"
    assert body["role"] == "owner"
    assert body["created_at"] == "2026-01-01T12:00:00.000000Z"


def test_any_user_can_create_a_project(client: TestClient[Any], admin: dict[str, str]) -> None:
    priya = person(client, admin, "priya@example.com")

    assert (
        client.post("/api/v1/projects/", json={"name": "P"}, headers=priya).status_code == 201
    )


def test_a_project_name_is_1_to_200_characters_after_trimming(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    for name in ["   ", "x" * 201]:
        response = client.post("/api/v1/projects/", json={"name": name}, headers=admin)

        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"field": "name", "message": "must be 1–200 characters after trimming"}
        ]
    assert client.post("/api/v1/projects/", json={"name": "x" * 200}, headers=admin).is_success


def test_an_unknown_field_on_create_is_named(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    response = client.post("/api/v1/projects/", json={"name": "A", "title": "B"}, headers=admin)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "title", "message": "unknown field; accepted fields: name"}
    ]


def test_my_projects_lists_only_mine_with_my_role(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    priya = person(client, admin, "priya@example.com")
    apollo = new_project(client, admin, "Apollo")
    new_project(client, admin, "Hidden")
    add_member(client, admin, apollo, "priya@example.com", "viewer")

    response = client.get("/api/v1/projects/", headers=priya)

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": apollo,
                "name": "Apollo",
                "created_at": "2026-01-01T12:00:00.000000Z",
                "role": "viewer",
            }
        ]
    }


def test_the_detail_shows_members_and_sync_health(
    client: TestClient[Any], admin: dict[str, str], settings: Any
) -> None:
    project = new_project(client, admin)
    with Database(settings.database_path).direct() as conn:
        conn.execute(
            "INSERT INTO unmapped_statuses VALUES (?, 'jira', 'wont_do', 'Won''t Do', 2, 'T1'),"
            " (?, 'linear', 'parked', 'Parked', 5, 'T2')",
            (project, project),
        )

    response = client.get(f"/api/v1/projects/{project}/", headers=admin)

    assert response.status_code == 200
    body = response.json()
    assert body["members"] == [
        {
            "user_id": body["members"][0]["user_id"],
            "email": "admin@example.com",
            "name": "Admin",
            "role": "owner",
            "created_at": "2026-01-01T12:00:00.000000Z",
        }
    ]
    assert body["unresolved_assignee_count"] == 0
    assert body["unmapped_statuses"] == [
        {
            "source": "linear",
            "status": "Parked",
            "normalised": "parked",
            "count": 5,
            "last_seen_at": "T2",
        },
        {
            "source": "jira",
            "status": "Won't Do",
            "normalised": "wont_do",
            "count": 2,
            "last_seen_at": "T1",
        },
    ]


def test_a_non_member_gets_404_even_for_a_malformed_id(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    priya = person(client, admin, "priya@example.com")

    hidden = client.get(f"/api/v1/projects/{project}/", headers=priya)
    malformed = client.get("/api/v1/projects/not-a-uuid/", headers=priya)
    missing = client.get(
        "/api/v1/projects/00000000-0000-4000-8000-000000000000/", headers=priya
    )

    assert hidden.status_code == malformed.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == malformed.json()
    assert hidden.headers["content-type"] == "application/problem+json"


def test_an_api_token_does_not_authenticate_project_routes(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = new_project(client, admin)
    token = client.post(
        f"/api/v1/projects/{project}/api-tokens/", json={"name": "Jira"}, headers=admin
    ).json()["token"]

    response = client.get(
        f"/api/v1/projects/{project}/", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_pending_assignees_lists_each_parked_email_with_its_count(
    client: TestClient[Any], admin: dict[str, str], settings: Any
) -> None:
    project = new_project(client, admin)
    with Database(settings.database_path).direct() as conn:
        for number, email in enumerate(["a@x.io", "b@x.io", "b@x.io"], start=1):
            insert_pushed_task(conn, project, number, parked=email)

    pending = client.get(f"/api/v1/projects/{project}/pending-assignees/", headers=admin)
    detail = client.get(f"/api/v1/projects/{project}/", headers=admin)

    assert pending.json() == {
        "results": [{"email": "b@x.io", "task_count": 2}, {"email": "a@x.io", "task_count": 1}]
    }
    assert detail.json()["unresolved_assignee_count"] == 3


def insert_pushed_task(
    conn: Any,
    project: str,
    number: int,
    *,
    parked: str | None = None,
    name: str = "",
    source: str = "jira",
) -> str:
    """A task and its inbound link, as a push would have stored them."""
    task_id = f"00000000-0000-4000-8000-{number:012d}"
    stamp = f"2026-01-01T12:00:{number % 60:02d}.000000Z"
    conn.execute(
        "INSERT INTO tasks (id, project_id, number, name, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 'BACKLOG', ?, ?)",
        (task_id, project, number, name or f"Task {number}", stamp, stamp),
    )
    conn.execute(
        "INSERT INTO task_links (task_id, project_id, source, external_id,"
        " pending_assignee_email, last_synced_at) VALUES (?, ?, ?, ?, ?, ?)",
        (task_id, project, source, f"KEY-{number}", parked, stamp),
    )
    conn.execute(
        "UPDATE projects SET last_task_number = MAX(last_task_number, ?) WHERE id = ?",
        (number, project),
    )
    return task_id


def test_the_openapi_document_describes_every_answer_of_the_project_routes(
    client: TestClient[Any],
) -> None:
    doc = client.get("/schema/openapi.json").json()
    base = "/api/v1/projects"
    expected = {
        ("post", base): {"201", "400", "401", "408", "413", "415", "503"},
        ("get", base + "/{project_id}"): {"200", "400", "401", "404", "503"},
        ("post", base + "/{project_id}/members"): {
            *("201", "400", "401", "403", "404", "408", "409", "413", "415", "503"),
        },
        ("delete", base + "/{project_id}/members/{user_id}"): {
            *("204", "400", "401", "403", "404", "409", "503"),
        },
        ("post", base + "/{project_id}/api-tokens"): {
            *("201", "400", "401", "403", "404", "408", "413", "415", "429", "503"),
        },
        ("put", base + "/{project_id}/api-tokens/{token_id}"): {"400", "405"},
        ("patch", base + "/{project_id}/tasks/{task_id}"): {
            *("200", "400", "401", "403", "404", "408", "413", "415", "503"),
        },
        ("post", base + "/{project_id}/sprints"): {
            *("201", "400", "401", "403", "404", "408", "413", "415", "503"),
        },
    }

    for (method, path), statuses in expected.items():
        operation = doc["paths"][path][method]
        assert set(operation["responses"]) == statuses, (method, path)
        assert operation["description"], (method, path)
        for status in statuses - {"200", "201", "204"}:
            content = operation["responses"][status]["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)

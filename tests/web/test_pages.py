"""Console pages without a browser: roles, the token shown once, escaping (SPEC 10)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient

from relays.generator import render
from tests.conftest import ADMIN_EMAIL, create_user
from tests.web.helpers import api_project, api_token, console_login, csrf_of, push, submit

XSS = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def project(client: TestClient[Any], admin: dict[str, str]) -> str:
    return api_project(client, admin)


def add_member(
    client: TestClient[Any], admin: dict[str, str], project_id: str, email: str, role: str
) -> str:
    user = create_user(client, admin, email)
    response = client.post(
        f"/api/v1/projects/{project_id}/members/",
        json={"email": email, "role": role},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    return str(user["id"])


def token_count(client: TestClient[Any], admin: dict[str, str], project_id: str) -> int:
    response = client.get(f"/api/v1/projects/{project_id}/api-tokens/", headers=admin)
    return len(response.json()["results"])


def test_projects_page_lists_mine_and_creates_one(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    console_login(client, ADMIN_EMAIL)
    assert "Apollo" in client.get("/console/").text
    response = submit(client, "/console/", "/console/projects", {"name": "  Gemini "})
    assert response.status_code == 303
    new_id = response.headers["location"].split("/")[3]
    listed = client.get("/api/v1/projects/", headers=admin).json()["results"]
    assert {(p["id"], p["name"], p["role"]) for p in listed} >= {(new_id, "Gemini", "owner")}


def test_project_name_too_long_is_a_400_page_naming_the_field(client: TestClient[Any]) -> None:
    console_login(client, ADMIN_EMAIL)
    response = submit(client, "/console/", "/console/projects", {"name": " "})
    assert response.status_code == 400
    assert "<strong>name</strong>: must be 1–200 characters after trimming" in response.text


def test_non_member_sees_a_404_page(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    create_user(client, admin, "eve@example.com")
    console_login(client, "eve@example.com")
    for section in ("backlog", "health", "tokens", "audit", "relays", "members"):
        response = client.get(f"/console/projects/{project}/{section}")
        assert response.status_code == 404, section
        assert "No such project." in response.text
    assert client.get("/console/projects/not-a-uuid/backlog").status_code == 404


def test_minted_token_is_shown_once_and_never_again(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    console_login(client, ADMIN_EMAIL)
    page = client.get(f"/console/projects/{project}/tokens")
    form_id = re.search(r'name="form_id" value="([0-9a-f]+)"', page.text)
    assert form_id is not None
    fields = {"csrf_token": csrf_of(page.text), "form_id": form_id.group(1), "name": "Jira"}
    minted = client.post(f"/console/projects/{project}/tokens", data=fields)
    assert minted.status_code == 201
    assert minted.headers["cache-control"] == "no-store"
    token = re.search(r"tppm_[0-9a-f]{64}", minted.text)
    assert token is not None
    assert "it will not be shown again" in minted.text

    assert token.group(0) not in client.get(f"/console/projects/{project}/tokens").text
    again = client.post(
        f"/console/projects/{project}/tokens", data=fields, follow_redirects=False
    )
    assert again.status_code == 303
    assert again.headers["location"].endswith("/tokens?reposted=1")
    assert token_count(client, admin, project) == 1


def test_mint_with_a_bad_status_map_names_the_key(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    console_login(client, ADMIN_EMAIL)
    page = client.get(f"/console/projects/{project}/tokens")
    form_id = re.search(r'name="form_id" value="([0-9a-f]+)"', page.text)
    assert form_id is not None
    response = client.post(
        f"/console/projects/{project}/tokens",
        data={
            "csrf_token": csrf_of(page.text),
            "form_id": form_id.group(1),
            "name": "Jira",
            "status_map": '{"Done-ish": "FINISHED"}',
        },
    )
    assert response.status_code == 400
    assert "<strong>status_map.Done-ish</strong>: &#39;FINISHED&#39; is not a status" in (
        response.text
    )
    assert token_count(client, admin, project) == 0


def test_viewer_sees_no_mint_form_and_a_forged_mint_is_refused(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    add_member(client, admin, project, "vera@example.com", "viewer")
    console_login(client, "vera@example.com")
    page = client.get(f"/console/projects/{project}/tokens")
    assert page.status_code == 200
    assert "Mint token" not in page.text
    assert "Revoke" not in page.text
    assert "needs the manager role; you are viewer" in page.text

    forged = client.post(
        f"/console/projects/{project}/tokens",
        data={"csrf_token": csrf_of(page.text), "form_id": "f" * 32, "name": "Mine"},
    )
    assert forged.status_code == 403
    assert "This needs the manager role or above; you are viewer." in forged.text
    assert token_count(client, admin, project) == 0


def test_revoke_asks_first_and_then_revokes(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    api_token(client, admin, project)
    token_id = client.get(f"/api/v1/projects/{project}/api-tokens/", headers=admin).json()[
        "results"
    ][0]["id"]
    console_login(client, ADMIN_EMAIL)
    confirm = f"/console/projects/{project}/tokens/{token_id}/revoke"
    assert "Revoke “relay”?" in client.get(confirm).text
    assert (
        client.get(f"/api/v1/projects/{project}/api-tokens/{token_id}/", headers=admin).json()[
            "revoked_at"
        ]
        is None
    )

    response = submit(client, confirm, confirm, {})
    assert response.status_code == 303
    read = client.get(f"/api/v1/projects/{project}/api-tokens/{token_id}/", headers=admin)
    assert read.json()["revoked_at"] is not None
    assert "is revoked." in client.get(response.headers["location"]).text


def test_hostile_names_render_as_text_on_every_page(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = api_project(client, admin, XSS)
    token = api_token(client, admin, project)
    push(client, project, token, external_id="X-1", name=XSS, assignee_email="x@y.example")
    push(
        client,
        project,
        token,
        external_id="X-2",
        name="child",
        status=XSS[:60],
        parent_external_id="X-1",
    )
    console_login(client, ADMIN_EMAIL)
    for path in (
        "/console/",
        *(
            f"/console/projects/{project}/{section}"
            for section in ("backlog", "health", "tokens", "audit", "members")
        ),
    ):
        text = client.get(path).text
        assert "<img" not in text, path
    assert ESCAPED in client.get(f"/console/projects/{project}/backlog").text


def test_member_changes_status_and_sprint_and_viewer_cannot(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    token = api_token(client, admin, project)
    task_id = push(client, project, token, external_id="A-1").json()["task_id"]
    sprint = client.post(
        f"/api/v1/projects/{project}/sprints/",
        json={"name": "S1", "start": "2026-01-01", "end": "2026-01-14"},
        headers=admin,
    ).json()
    add_member(client, admin, project, "mia@example.com", "member")
    add_member(client, admin, project, "vic@example.com", "viewer")
    backlog = f"/console/projects/{project}/backlog"
    action = f"/console/projects/{project}/tasks/{task_id}"

    console_login(client, "vic@example.com")
    assert "Save" not in client.get(backlog).text
    refused = submit(client, backlog, action, {"status": "COMPLETE", "sprint_id": ""})
    assert refused.status_code == 403

    console_login(client, "mia@example.com")
    done = submit(
        client,
        backlog,
        action,
        {
            "status": "COMPLETE",
            "sprint_id": sprint["id"],
            "return_query": "status=COMPLETE&evil=1",
        },
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{backlog}?status=COMPLETE#task-{task_id}"
    task = client.get(f"/api/v1/projects/{project}/tasks/{task_id}/", headers=admin).json()
    assert (task["status"], task["sprint_id"]) == ("COMPLETE", sprint["id"])


def test_backlog_filters_by_status_and_shows_children_under_parents(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    token = api_token(client, admin, project)
    push(client, project, token, external_id="E-1", name="Epic")
    push(
        client,
        project,
        token,
        external_id="E-2",
        name="Story",
        parent_external_id="E-1",
        status="done",
    )
    console_login(client, ADMIN_EMAIL)
    page = client.get(f"/console/projects/{project}/backlog").text
    assert (
        page.index("Epic")
        < page.index('aria-label="Children of 00000001"')
        < page.index("Story")
    )
    only_done = client.get(f"/console/projects/{project}/backlog?status=COMPLETE").text
    assert "Story" in only_done and "Epic" not in only_done
    assert "Child of 00000001" not in only_done  # the parent is not on this page
    assert "Child of another page" in only_done


def test_audit_hides_source_ips_from_viewers_and_offers_the_chain_check_to_managers(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    api_token(client, admin, project)
    add_member(client, admin, project, "vera@example.com", "viewer")
    audit = f"/console/projects/{project}/audit"

    console_login(client, ADMIN_EMAIL)
    page = client.get(audit).text
    assert "<code>testclient</code>" in page or "<code>127.0.0.1</code>" in page
    assert "Check the chain" in page
    assert "Chain intact." in client.get(audit + "/verify").text

    console_login(client, "vera@example.com")
    page = client.get(audit).text
    assert "minted" in page and "hidden" in page and "Check the chain" not in page
    assert client.get(audit + "/verify").status_code == 403
    assert client.get(audit + "?token_prefix=XYZ").status_code == 400


def test_manager_adds_a_parked_assignee_from_sync_health(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    token = api_token(client, admin, project)
    task_id = push(
        client,
        project,
        token,
        external_id="P-1",
        assignee_email="Pat@example.com",
        status="Needs Triage Soon",
    ).json()["task_id"]
    create_user(client, admin, "pat@example.com", "Pat")
    console_login(client, ADMIN_EMAIL)
    health = f"/console/projects/{project}/health"
    page = client.get(health).text
    assert "pat@example.com" in page
    assert "&#34;Needs Triage Soon&#34;: &#34;NOT_STARTED&#34;" in page
    assert f'action="/console/projects/{project}/tokens/draft#mint"' in page
    prefilled = submit(
        client,
        health,
        f"/console/projects/{project}/tokens/draft",
        {"status_map": '{"Needs Triage Soon": "NOT_STARTED"}'},
    ).text
    assert "&#34;Needs Triage Soon&#34;: &#34;NOT_STARTED&#34;\n}</textarea>" in prefilled

    added = submit(
        client,
        health,
        f"/console/projects/{project}/members",
        {"email": "pat@example.com", "role": "member", "back": "health"},
    )
    assert added.headers["location"] == f"{health}?added=pat@example.com"
    task = client.get(f"/api/v1/projects/{project}/tasks/{task_id}/", headers=admin).json()
    assert task["assignee"]["email"] == "pat@example.com"


def test_members_page_changes_roles_and_removes_for_managers_only(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    sam = add_member(client, admin, project, "sam@example.com", "member")
    members = f"/console/projects/{project}/members"
    console_login(client, "sam@example.com")
    assert "Add member" not in client.get(members).text
    forged = submit(client, members, f"{members}/{sam}/role", {"role": "owner"})
    assert forged.status_code == 403

    console_login(client, ADMIN_EMAIL)
    assert submit(
        client, members, f"{members}/{sam}/role", {"role": "manager"}
    ).status_code == (303)
    listed = client.get(f"/api/v1/projects/{project}/members/", headers=admin).json()
    assert {m["email"]: m["role"] for m in listed["results"]}["sam@example.com"] == "manager"
    assert submit(client, members, f"{members}/{sam}/remove", {}).status_code == 303
    listed = client.get(f"/api/v1/projects/{project}/members/", headers=admin).json()
    assert [m["email"] for m in listed["results"]] == [ADMIN_EMAIL]


def test_relay_download_is_the_generated_file(client: TestClient[Any], project: str) -> None:
    console_login(client, ADMIN_EMAIL)
    page = client.get(f"/console/projects/{project}/relays?kind=linear-worker")
    assert "wrangler secret put TPPM_TOKEN" in page.text
    download = client.get(f"/console/projects/{project}/relays/linear-worker/download")
    assert download.headers["content-disposition"] == 'attachment; filename="linear-worker.mjs"'
    expected = render("linear-worker", url="http://testserver.local", project_id=project)
    assert download.text == expected.text
    assert client.get(f"/console/projects/{project}/relays?kind=nope").status_code == 404


def test_relay_is_written_for_the_address_given(client: TestClient[Any], project: str) -> None:
    console_login(client, ADMIN_EMAIL)
    base = f"/console/projects/{project}/relays"
    page = client.get(f"{base}?kind=jira-relay&url=https://tasks.example.com")
    assert f"https://tasks.example.com/api/v1/projects/{project}/task-sync/" in page.text
    download = client.get(f"{base}/jira-relay/download?url=https%3A%2F%2Ftasks.example.com")
    assert (
        download.text
        == render("jira-relay", url="https://tasks.example.com", project_id=project).text
    )
    refused = client.get(f"{base}?kind=jira-relay&url=javascript:alert(1)")
    assert refused.status_code == 400
    assert "url:" in refused.text


def test_a_member_can_leave_on_their_own(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    add_member(client, admin, project, "lee@example.com", "viewer")
    console_login(client, "lee@example.com")
    members = f"/console/projects/{project}/members"
    mine = re.search(r'action="(/console/projects/[^"]+/remove)"', client.get(members).text)
    assert mine is not None
    left = submit(client, members, mine.group(1), {})
    assert left.headers["location"] == "/console/"
    assert client.get(members).status_code == 404

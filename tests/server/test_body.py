"""Every JSON endpoint reads its body the same way: the content types of SPEC 4.1 and 400s
whose messages speak of JSON values, not of Python types."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import ADMIN_EMAIL
from tests.server.sync_helpers import bearer, make_project, mint

PUSH = b'{"source":"jira","external_id":"P-1"}'
LOGIN = b'{"email":"%s","password":"correct horse battery"}' % ADMIN_EMAIL.encode()


def post(
    client: TestClient[Any], path: str, body: bytes, headers: dict[str, str], ctype: str | None
) -> Any:
    sent = dict(headers)
    if ctype is not None:
        sent["Content-Type"] = ctype
    return client.post(path, content=body, headers=sent)


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param(None, id="none"),
        pytest.param("", id="blank"),
        pytest.param("   ", id="spaces"),
        pytest.param("application/json", id="json"),
        pytest.param("Application/JSON; charset=UTF-8", id="json-charset"),
        pytest.param("application/json; charset=latin-1", id="json-any-charset"),
        pytest.param("application/x-www-form-urlencoded", id="curl-default"),
    ],
)
def test_the_accepted_content_types_reach_every_json_endpoint(
    client: TestClient[Any], admin: dict[str, str], content_type: str | None
) -> None:
    project_id = make_project(client, admin)
    token = str(mint(client, admin, project_id)["token"])

    pushed = post(
        client, f"/api/v1/projects/{project_id}/task-sync/", PUSH, bearer(token), content_type
    )
    logged_in = post(client, "/api/v1/auth/login", LOGIN, {}, content_type)
    created = post(client, "/api/v1/projects/", b'{"name":"Other"}', admin, content_type)

    assert pushed.status_code == 201, pushed.text
    assert logged_in.status_code == 200, logged_in.text
    assert created.status_code == 201, created.text


@pytest.mark.parametrize(
    ("content_type", "detail"),
    [
        pytest.param(
            "application/vnd.api+json",
            "Content-Type 'application/vnd.api+json' is not accepted; send application/json.",
            id="vendor-json",
        ),
        pytest.param(
            "application/problem+json",
            "Content-Type 'application/problem+json' is not accepted; send application/json.",
            id="problem-json",
        ),
        pytest.param(
            "text/plain; charset=utf-8",
            "Content-Type 'text/plain; charset=utf-8' is not accepted; send application/json.",
            id="text",
        ),
        pytest.param(
            ";;;",
            "Content-Type ';;;' has no media type; send application/json.",
            id="semicolons",
        ),
        pytest.param(
            "json",
            "Content-Type 'json' has no media type; send application/json.",
            id="no-slash",
        ),
        pytest.param(
            "application/",
            "Content-Type 'application/' has no media type; send application/json.",
            id="no-subtype",
        ),
        pytest.param(
            "; charset=utf-8",
            "Content-Type '; charset=utf-8' has no media type; send application/json.",
            id="parameters-only",
        ),
    ],
)
def test_any_other_content_type_is_a_415_naming_what_was_sent(
    client: TestClient[Any], admin: dict[str, str], content_type: str, detail: str
) -> None:
    project_id = make_project(client, admin)
    token = str(mint(client, admin, project_id)["token"])
    expected = {
        "type": "https://tasksync.dev/problems/unsupported-media-type",
        "title": "Unsupported media type",
        "status": 415,
        "detail": detail,
    }

    pushed = post(
        client, f"/api/v1/projects/{project_id}/task-sync/", PUSH, bearer(token), content_type
    )
    logged_in = post(client, "/api/v1/auth/login", LOGIN, {}, content_type)
    created = post(client, "/api/v1/projects/", b'{"name":"Other"}', admin, content_type)

    for response in (pushed, logged_in, created):
        assert response.status_code == 415, response.text
        assert response.json() == expected
    tasks = client.get(f"/api/v1/projects/{project_id}/tasks/", headers=admin).json()
    assert tasks["results"] == []


def test_a_long_content_type_is_cut_short_in_the_detail(client: TestClient[Any]) -> None:
    response = post(client, "/api/v1/auth/login", LOGIN, {}, "text/" + "x" * 300)

    assert response.status_code == 415
    assert response.json()["detail"] == (
        f"Content-Type {'text/' + 'x' * 95 + '…'!r} is not accepted; send application/json."
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        pytest.param(
            {"source": "jira", "external_id": "P-1", "story_points": True},
            "story_points",
            "must be a number or null, not true or false",
            id="push-points-bool",
        ),
        pytest.param(
            {"source": "jira", "external_id": "P-1", "story_points": "3"},
            "story_points",
            "must be a number or null, not a string",
            id="push-points-string",
        ),
        pytest.param(
            {"source": "jira", "external_id": 7},
            "external_id",
            "must be a string, not a whole number",
            id="push-external-id-number",
        ),
    ],
)
def test_a_push_of_the_wrong_json_type_is_told_in_words(
    client: TestClient[Any],
    admin: dict[str, str],
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    project_id = make_project(client, admin)
    token = str(mint(client, admin, project_id)["token"])

    response = client.post(
        f"/api/v1/projects/{project_id}/task-sync/", json=body, headers=bearer(token)
    )

    assert response.status_code == 400, response.text
    assert response.json()["errors"] == [{"field": field, "message": message}]


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        pytest.param(
            "/api/v1/auth/login",
            {"email": ADMIN_EMAIL, "password": False},
            "password",
            "must be a string, not true or false",
            id="login-password-bool",
        ),
        pytest.param(
            "/api/v1/projects/",
            {"name": ["a"]},
            "name",
            "must be a string, not an array",
            id="project-name-array",
        ),
        pytest.param(
            "/api/v1/projects/",
            {"name": None},
            "name",
            "must be a string, not null",
            id="project-name-null",
        ),
        pytest.param(
            "/api/v1/projects/",
            {"name": {"x": 1}},
            "name",
            "must be a string, not an object",
            id="project-name-object",
        ),
        pytest.param(
            "/api/v1/projects/",
            {"name": 1.5},
            "name",
            "must be a string, not a number with a fraction",
            id="project-name-float",
        ),
    ],
)
def test_other_endpoints_name_json_types_in_words_too(
    client: TestClient[Any],
    admin: dict[str, str],
    path: str,
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    response = client.post(path, json=body, headers=admin)

    assert response.status_code == 400, response.text
    assert response.json()["errors"] == [{"field": field, "message": message}]


def test_a_length_limit_is_told_in_characters(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project_id = make_project(client, admin)

    response = client.post(
        f"/api/v1/projects/{project_id}/sprints/",
        json={"name": "S1", "start": "2026-01-01" * 4, "end": "2026-01-14"},
        headers=admin,
    )

    assert response.status_code == 400, response.text
    assert response.json()["errors"] == [
        {"field": "start", "message": "must be a string of at most 32 characters"}
    ]

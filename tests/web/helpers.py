"""Driving the console like a browser without JavaScript: fetch a page, post its form."""

from __future__ import annotations

import re
from typing import Any

import httpx
from litestar.testing import TestClient

from tests.conftest import PASSWORD

Client = TestClient[Any] | httpx.Client

_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)


def console_login(client: Client, email: str, password: str = PASSWORD) -> None:
    """Log in through the form; the client keeps the session cookie."""
    client.cookies.clear()
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def submit(
    client: Client, page_path: str, action: str, fields: dict[str, str]
) -> httpx.Response:
    """Post a form to `action` with the CSRF token `page_path` carries."""
    token = csrf_of(client.get(page_path).text)
    return client.post(action, data={"csrf_token": token, **fields}, follow_redirects=False)


def api_project(client: Client, headers: dict[str, str], name: str = "Apollo") -> str:
    response = client.post("/api/v1/projects/", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def api_token(client: Client, headers: dict[str, str], project_id: str) -> str:
    response = client.post(
        f"/api/v1/projects/{project_id}/api-tokens/", json={"name": "relay"}, headers=headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def push(client: Client, project_id: str, token: str, **payload: Any) -> httpx.Response:
    response = client.post(
        f"/api/v1/projects/{project_id}/task-sync/",
        json={"source": "jira", **payload},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (200, 201), response.text
    return response

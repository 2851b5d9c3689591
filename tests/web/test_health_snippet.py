"""Sync health's status-map snippet with many unmapped statuses (SPEC 4.3, 10)."""

from __future__ import annotations

import html
import json
import re
import secrets
import sqlite3
from typing import Any

import pytest
from litestar.testing import TestClient

from server.config import Settings
from tests.conftest import ADMIN_EMAIL, create_user
from tests.web.helpers import api_project, console_login, csrf_of, submit

MANY = 300


@pytest.fixture
def project(client: TestClient[Any], admin: dict[str, str], settings: Settings) -> str:
    """A project whose pushes sent MANY distinct statuses nobody mapped; `Status 299` most."""
    project_id = api_project(client, admin)
    rows = [
        (project_id, "jira", f"status {i}", f"Status {i}", i + 1, "2026-01-01T12:00:00.000000Z")
        for i in range(MANY)
    ]
    with sqlite3.connect(settings.database_path) as conn:
        conn.executemany(
            "INSERT INTO unmapped_statuses"
            " (project_id, source, status_key, last_value, count, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    return project_id


def _textarea_map(page: str) -> dict[str, str]:
    found = re.search(r'<textarea id="status-map"[^>]*>([^<]*)</textarea>', page)
    assert found is not None
    mapping: dict[str, str] = json.loads(html.unescape(found.group(1)))
    return mapping


def test_snippet_and_mint_form_carry_the_50_statuses_seen_most_often(
    client: TestClient[Any], project: str
) -> None:
    console_login(client, ADMIN_EMAIL)
    health = f"/console/projects/{project}/health"
    page = client.get(health)
    assert page.status_code == 200
    assert "It covers the 50 seen most often of 300" in page.text
    assert "status_map=" not in page.text
    snippet = re.search(r'<pre class="file" id="snippet"[^>]*>([^<]*)</pre>', page.text)
    assert snippet is not None
    expected = {f"Status {i}": "NOT_STARTED" for i in range(MANY - 1, MANY - 51, -1)}
    assert json.loads(html.unescape(snippet.group(1))) == expected

    hidden = re.search(r'name="status_map" value="([^"]*)"', page.text)
    assert hidden is not None
    tokens = f"/console/projects/{project}/tokens"
    response = client.post(
        f"{tokens}/draft",
        data={"csrf_token": csrf_of(page.text), "status_map": html.unescape(hidden.group(1))},
    )
    assert response.status_code == 200
    assert _textarea_map(response.text) == expected

    minted = submit(
        client,
        tokens,
        tokens,
        {"name": "relay", "status_map": json.dumps(expected), "form_id": secrets.token_hex(16)},
    )
    assert minted.status_code == 201


def test_a_few_unmapped_statuses_are_all_in_the_snippet_without_a_note(
    client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    project_id = api_project(client, admin)
    with sqlite3.connect(settings.database_path) as conn:
        conn.execute(
            "INSERT INTO unmapped_statuses VALUES (?, 'jira', 'k', 'Kept', 3, ?)",
            (project_id, "2026-01-01T12:00:00.000000Z"),
        )
    console_login(client, ADMIN_EMAIL)
    page = client.get(f"/console/projects/{project_id}/health").text
    assert "seen most often" not in page
    assert "&#34;Kept&#34;: &#34;NOT_STARTED&#34;" in page


def test_only_a_manager_gets_a_prefilled_mint_form(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    create_user(client, admin, "vic@example.com")
    client.post(
        f"/api/v1/projects/{project}/members/",
        json={"email": "vic@example.com", "role": "member"},
        headers=admin,
    )
    console_login(client, "vic@example.com")
    health = f"/console/projects/{project}/health"
    assert "Mint a token with this map" not in client.get(health).text
    forged = submit(client, health, f"/console/projects/{project}/tokens/draft", {})
    assert forged.status_code == 403
    refused = client.post(
        f"/console/projects/{project}/tokens/draft", data={"status_map": "{}"}
    )
    assert refused.status_code == 403
    console_login(client, ADMIN_EMAIL)
    without_csrf = client.post(
        f"/console/projects/{project}/tokens/draft", data={"status_map": "{}"}
    )
    assert without_csrf.status_code == 403

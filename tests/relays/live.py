"""A real tasksync for relay tests: a project, a token, and readers of its backlog."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from server.config import load_settings
from server.tools import add_user
from tests.conftest import ADMIN_EMAIL, PASSWORD, LiveServer, start_server


@dataclass
class LiveProject:
    server: LiveServer
    id: str
    token: str
    headers: dict[str, str]

    def tasks(self) -> dict[str, dict[str, Any]]:
        """external id → task, for every linked task of the project."""
        found: dict[str, dict[str, Any]] = {}
        url: str | None = f"/api/v1/projects/{self.id}/tasks/?limit=500"
        with self.server.client() as client:
            while url:
                page = client.get(url, headers=self.headers)
                assert page.status_code == 200, page.text
                for task in page.json()["results"]:
                    if task["link"]:
                        found[task["link"]["external_id"]] = task
                url = page.json()["next"]
        return found


def start_live_server(data_dir: Path) -> LiveServer:
    add_user(load_settings({}, data_dir=data_dir), ADMIN_EMAIL, "Admin", PASSWORD)
    return start_server(data_dir)


def new_project(server: LiveServer, name: str) -> LiveProject:
    with server.client() as client:
        login = client.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        project = client.post("/api/v1/projects/", json={"name": name}, headers=headers)
        assert project.status_code == 201, project.text
        project_id = project.json()["id"]
        minted = client.post(
            f"/api/v1/projects/{project_id}/api-tokens/", json={"name": name}, headers=headers
        )
        assert minted.status_code == 201, minted.text
    return LiveProject(server, project_id, minted.json()["token"], headers)


def get(project: LiveProject, path: str) -> Any:
    response = httpx.get(project.server.url + path, headers=project.headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()

"""Fixtures for importer tests: one live server with a low limit, a project and a token each."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server.config import load_settings
from server.tools import add_user
from tests.conftest import (
    ADMIN_EMAIL,
    PASSWORD,
    LiveServer,
    login,
    start_server,
    stop_server,
)

# Low enough that a 60-line import meets the limit three times in a few seconds.
LIMIT = 20
WINDOW = 4
LIMITED_ENV = {
    "TASKSYNC_RATE_LIMIT": str(LIMIT),
    "TASKSYNC_BACKFILL_RATE_LIMIT": str(LIMIT),
    "TASKSYNC_RATE_WINDOW_SECONDS": str(WINDOW),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server shared by a module's tests; each test has its own project (and window)."""
    data_dir = tmp_path_factory.mktemp("importer") / "data"
    add_user(load_settings({}, data_dir=data_dir), ADMIN_EMAIL, "Admin", PASSWORD)
    live = start_server(data_dir, **LIMITED_ENV)
    try:
        yield live
    finally:
        stop_server(live)


@dataclass
class Project:
    server: LiveServer
    id: str
    token: str
    admin: dict[str, str]

    def used_entries(self) -> list[dict[str, Any]]:
        """Every `used` audit entry: one per acknowledged push (SPEC 5)."""
        entries: list[dict[str, Any]] = []
        url: str | None = f"/api/v1/projects/{self.id}/api-token-audit/?action=used&limit=500"
        with self.server.client() as client:
            while url:
                response = client.get(url, headers=self.admin)
                assert response.status_code == 200, response.text
                entries.extend(response.json()["results"])
                url = response.json()["next"]
        return entries


@pytest.fixture
def project(server: LiveServer) -> Project:
    with server.client() as client:
        admin = login(client, ADMIN_EMAIL)
        created = client.post("/api/v1/projects/", json={"name": "Import"}, headers=admin)
        assert created.status_code == 201, created.text
        project_id = created.json()["id"]
        minted = client.post(
            f"/api/v1/projects/{project_id}/api-tokens/", json={"name": "import"}, headers=admin
        )
        assert minted.status_code == 201, minted.text
    return Project(server, project_id, minted.json()["token"], admin)


def run_import(
    file: Path, project: Project | None, *args: str, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`tasksync import FILE --url … --project …` as a real process (stdout not a terminal)."""
    env = {key: value for key, value in os.environ.items() if key != "TPPM_TOKEN"}
    if token is None and project is not None:
        token = project.token
    if token:
        env["TPPM_TOKEN"] = token
    target = ["--url", project.server.url, "--project", project.id] if project else []
    return subprocess.run(
        [sys.executable, "-m", "server", "import", str(file), *target, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

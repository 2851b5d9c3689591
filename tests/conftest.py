"""Shared fixtures: a real SQLite file per test, an app on it, and a live server on a port."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher, profiles
from litestar.testing import TestClient

from bench.server import DID_NOT_START, free_port, wait_until_healthy
from server import passwords
from server.app import create_app
from server.clock import FakeClock
from server.config import Settings, load_settings
from server.tools import add_user

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures" / "webhooks"

ADMIN_EMAIL = "admin@example.com"
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id at the cheapest parameters for users the tests create.

    The production cost (about 0.1 s a hash, seconds on a busy box) would dominate the suite.
    The parameters travel inside each hash, so a live server verifies these cheaply too;
    `tests/server/test_passwords.py` pins the production parameters.
    """
    production = passwords._hasher
    passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    yield
    passwords._hasher = production


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {}, data_dir=tmp_path / "data", secret_key="test-secret-key-of-at-least-32-bytes!"
    )


@pytest.fixture
def admin_user(settings: Settings) -> str:
    """The instance's first user (its administrator), created before the app starts."""
    add_user(settings, ADMIN_EMAIL, "Admin", PASSWORD)
    return ADMIN_EMAIL


@pytest.fixture
def client(settings: Settings, clock: FakeClock, admin_user: str) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client


def login(
    client: TestClient[Any] | httpx.Client, email: str, password: str = PASSWORD
) -> dict[str, str]:
    """Authorization headers for `email`."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def admin(client: TestClient[Any]) -> dict[str, str]:
    return login(client, ADMIN_EMAIL)


def create_user(
    client: TestClient[Any] | httpx.Client,
    admin_headers: dict[str, str],
    email: str,
    name: str = "",
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/users/",
        json={"email": email, "name": name or email.split("@")[0], "password": PASSWORD},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")


def start_server(data_dir: Path, **env: str) -> LiveServer:
    """`tasksync serve` as a real process on a free port; waits for /healthz."""
    port = free_port()
    log_path = data_dir.parent / f"server-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "TASKSYNC_DATA_DIR": str(data_dir),
        "TASKSYNC_PORT": str(port),
        "TASKSYNC_LOG_FORMAT": "json",
        **env,
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve"], env=environment, stdout=log, stderr=log
        )
    server = LiveServer(f"http://127.0.0.1:{port}", data_dir, process, log_path)
    why = wait_until_healthy(server.url, process, 20)
    if why is None:
        return server
    if why == DID_NOT_START:
        process.kill()
    raise RuntimeError(f"server {why}:\n{server.log()}")


def stop_server(server: LiveServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server with an administrator (ADMIN_EMAIL / PASSWORD) already created."""
    data_dir = tmp_path / "live-data"
    settings = load_settings({}, data_dir=data_dir)
    add_user(settings, ADMIN_EMAIL, "Admin", PASSWORD)
    server = start_server(data_dir)
    try:
        yield server
    finally:
        stop_server(server)

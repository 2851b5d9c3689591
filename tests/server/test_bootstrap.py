from __future__ import annotations

import stat
from pathlib import Path

import httpx

from tests.conftest import start_server, stop_server


def test_first_start_creates_the_administrator_with_a_private_password_file(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir, TASKSYNC_ADMIN_EMAIL="lead@example.com")
    try:
        password_file = data_dir / "initial-admin-password"
        password = password_file.read_text().strip()
        response = httpx.post(
            server.url + "/api/v1/auth/login",
            json={"email": "lead@example.com", "password": password},
        )
        me = httpx.get(
            server.url + "/api/v1/users/me/",
            headers={"Authorization": "Bearer " + response.json()["access_token"]},
        )
    finally:
        stop_server(server)

    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "secret_key").stat().st_mode) == 0o600
    assert me.json()["is_admin"] is True
    assert str(password_file) in server.log()
    assert password not in server.log()


def test_a_second_start_keeps_the_administrator_and_the_signing_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_server(data_dir)
    stop_server(first)
    key = (data_dir / "secret_key").read_text()
    password = (data_dir / "initial-admin-password").read_text()

    second = start_server(data_dir)
    stop_server(second)

    assert (data_dir / "secret_key").read_text() == key
    assert (data_dir / "initial-admin-password").read_text() == password
    assert "created the administrator" not in second.log().split("Started server process")[-1]

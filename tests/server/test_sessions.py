"""Ending a session: `POST /api/v1/auth/logout` and JWTs that name no session."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import jwt
from litestar.testing import TestClient

from server.clock import FakeClock
from server.config import Settings
from tests.conftest import ADMIN_EMAIL, login

INVALID = {
    "type": "https://tasksync.dev/problems/unauthorized",
    "title": "Unauthorized",
    "status": 401,
    "detail": "The token is invalid or has expired.",
}


def _me(client: TestClient[Any], headers: dict[str, str]) -> Any:
    return client.get("/api/v1/users/me/", headers=headers)


def _jti(headers: dict[str, str], settings: Settings) -> str:
    token = headers["Authorization"].removeprefix("Bearer ")
    options = {"verify_exp": False}
    claims = jwt.decode(
        token, settings.secret_key, algorithms=["HS256"], audience="tasksync", options=options
    )
    return str(claims["jti"])


def _ended_jtis(settings: Settings) -> list[str]:
    with sqlite3.connect(settings.database_path) as conn:
        return [row[0] for row in conn.execute("SELECT jti FROM ended_sessions")]


def test_logout_answers_204_and_the_token_is_refused_afterwards(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    assert _me(client, admin).status_code == 200
    response = client.post("/api/v1/auth/logout", headers=admin)
    assert response.status_code == 204
    assert response.content == b""
    replay = _me(client, admin)
    assert replay.status_code == 401
    assert replay.headers["www-authenticate"] == "Bearer"
    assert {k: replay.json()[k] for k in INVALID} == INVALID
    assert client.post("/api/v1/auth/logout", headers=admin).status_code == 401


def test_logout_ends_only_the_session_that_asked(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    other = login(client, ADMIN_EMAIL)
    assert client.post("/api/v1/auth/logout", headers=admin).status_code == 204
    assert _me(client, admin).status_code == 401
    assert _me(client, other).status_code == 200
    assert _me(client, login(client, ADMIN_EMAIL)).status_code == 200


def test_logout_without_a_token_or_with_an_api_token_is_the_401(
    client: TestClient[Any],
) -> None:
    assert client.post("/api/v1/auth/logout").status_code == 401
    assert (
        client.post(
            "/api/v1/auth/logout", headers={"Authorization": "Bearer tppm_" + "0" * 64}
        ).status_code
        == 401
    )


def test_every_login_gets_a_token_naming_its_own_session(
    client: TestClient[Any], settings: Settings
) -> None:
    jtis = {_jti(login(client, ADMIN_EMAIL), settings) for _ in range(3)}
    assert len(jtis) == 3


def test_a_jwt_without_a_jti_is_refused(
    client: TestClient[Any], admin: dict[str, str], settings: Settings, clock: FakeClock
) -> None:
    """Tokens from before sessions could end name no session, so they could never be ended:
    refused like any invalid token."""
    user_id = _me(client, admin).json()["id"]
    now = clock.now()
    claims = {
        "sub": user_id,
        "aud": "tasksync",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    old = jwt.encode(claims, settings.secret_key, algorithm="HS256")
    response = _me(client, {"Authorization": f"Bearer {old}"})
    assert response.status_code == 401
    assert {k: response.json()[k] for k in INVALID} == INVALID


def test_ended_sessions_are_forgotten_once_their_jwt_has_expired(
    client: TestClient[Any], settings: Settings, clock: FakeClock
) -> None:
    first = login(client, ADMIN_EMAIL)
    assert client.post("/api/v1/auth/logout", headers=first).status_code == 204
    assert len(_ended_jtis(settings)) == 1
    clock.advance(settings.jwt_ttl_seconds)
    assert _me(client, first).status_code == 401
    second = login(client, ADMIN_EMAIL)
    assert client.post("/api/v1/auth/logout", headers=second).status_code == 204
    assert _ended_jtis(settings) == [_jti(second, settings)]


def test_openapi_documents_logout_with_its_problem_response(client: TestClient[Any]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    operation = paths["/api/v1/auth/logout"]["post"]
    assert set(operation["responses"]) == {"204", "401"}
    assert "application/problem+json" in operation["responses"]["401"]["content"]

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.conftest import ADMIN_EMAIL, LiveServer, create_user, login


def test_login_returns_a_bearer_jwt_with_its_lifetime(client: TestClient[Any]) -> None:
    response = client.post(
        "/api/v1/auth/login",
        json={"email": ADMIN_EMAIL.upper(), "password": "correct horse battery"},
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 43200


def test_wrong_password_is_a_401_problem(client: TestClient[Any]) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "nope"}
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://tasksync.dev/problems/unauthorized",
        "title": "Unauthorized",
        "status": 401,
        "detail": "The email or the password is wrong.",
    }


def test_me_returns_the_caller(client: TestClient[Any], admin: dict[str, str]) -> None:
    response = client.get("/api/v1/users/me/", headers=admin)

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == ADMIN_EMAIL
    assert body["is_admin"] is True


def test_only_an_administrator_creates_users(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    create_user(client, admin, "priya@example.com")
    priya = login(client, "priya@example.com")

    response = client.post(
        "/api/v1/users/",
        json={"email": "x@example.com", "name": "X", "password": "long enough"},
        headers=priya,
    )

    assert response.status_code == 403


def test_a_duplicate_email_is_a_conflict_whatever_its_case(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    create_user(client, admin, "priya@example.com")

    response = client.post(
        "/api/v1/users/",
        json={"email": "PRIYA@example.com", "name": "P", "password": "long enough"},
        headers=admin,
    )

    assert response.status_code == 409


def test_a_bad_new_user_names_each_field(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/users/", json={"email": "not-an-email", "password": "short"}, headers=admin
    )

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["email", "password"]


def test_the_live_server_answers_health(live_server: LiveServer) -> None:
    with live_server.client() as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert (
            http.get("/api/v1/users/me/", headers=login(http, ADMIN_EMAIL)).status_code == 200
        )

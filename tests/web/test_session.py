"""Login, logout, the session cookie's flags and CSRF refusals (SPEC 10)."""

from __future__ import annotations

from typing import Any

import jwt
import msgspec
from litestar import Request
from litestar.testing import TestClient

from server.clock import FakeClock
from server.config import Settings
from server.web.session import is_https, safe_next
from tests.conftest import ADMIN_EMAIL
from tests.web.helpers import api_project, console_login, csrf_of, submit


def test_root_and_console_send_a_stranger_to_the_login_form(client: TestClient[Any]) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/console/"
    response = client.get("/console/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/"


def test_login_sets_an_httponly_strict_session_cookie(client: TestClient[Any]) -> None:
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={
            "email": ADMIN_EMAIL,
            "password": "correct horse battery",
            "csrf_token": csrf_of(page.text),
            "next": "/console/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("tasksync_session=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path=/console", "samesite=strict"} <= flags
    assert "secure" not in flags  # plain http here; https requests get `Secure`


def test_session_cookie_is_secure_over_https(client: TestClient[Any]) -> None:
    https = TestClient(client.app, base_url="https://testserver.local")
    https.cookies = client.cookies
    page = https.get("/console/login")
    response = https.post(
        "/console/login",
        data={
            "email": ADMIN_EMAIL,
            "password": "correct horse battery",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("tasksync_session=")
    )
    assert "secure" in cookie.lower()


def test_wrong_password_shows_the_form_again_with_a_401(client: TestClient[Any]) -> None:
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"email": ADMIN_EMAIL, "password": "nope", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert "tasksync_session" not in client.cookies


def test_login_without_its_csrf_token_is_refused(client: TestClient[Any]) -> None:
    client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"email": ADMIN_EMAIL, "password": "correct horse battery"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "Form refused" in response.text
    assert "tasksync_session" not in client.cookies


def test_login_never_redirects_to_another_site(client: TestClient[Any]) -> None:
    page = client.get("/console/login?next=//evil.example/")
    assert 'name="next" value="/console/"' in page.text
    response = client.post(
        "/console/login",
        data={
            "email": ADMIN_EMAIL,
            "password": "correct horse battery",
            "csrf_token": csrf_of(page.text),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/console/"


def test_logout_clears_the_session(client: TestClient[Any]) -> None:
    console_login(client, ADMIN_EMAIL)
    response = submit(client, "/console/", "/console/logout", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_a_logged_out_session_cookie_replayed_is_sent_to_the_login_form(
    client: TestClient[Any],
) -> None:
    console_login(client, ADMIN_EMAIL)
    saved = client.cookies["tasksync_session"]
    bearer = {"Authorization": f"Bearer {saved}"}
    assert client.get("/api/v1/users/me/", headers=bearer).status_code == 200
    assert submit(client, "/console/", "/console/logout", {}).status_code == 303
    client.cookies.set("tasksync_session", saved, path="/console")
    response = client.get("/console/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/"
    refused = client.post("/console/logout", data={}, follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"].startswith("/console/login")
    # The cookie's value is a JWT like the API's: ended there too.
    assert client.get("/api/v1/users/me/", headers=bearer).status_code == 401


def test_console_logout_leaves_the_users_other_sessions_alone(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    console_login(client, ADMIN_EMAIL)
    first = client.cookies["tasksync_session"]
    submit(client, "/console/", "/console/logout", {})
    console_login(client, ADMIN_EMAIL)
    assert client.cookies["tasksync_session"] != first
    assert client.get("/console/", follow_redirects=False).status_code == 200
    assert client.get("/api/v1/users/me/", headers=admin).status_code == 200


def test_a_session_cookie_without_a_jti_is_sent_to_the_login_form(
    client: TestClient[Any], admin: dict[str, str], settings: Settings, clock: FakeClock
) -> None:
    """A JWT from before sessions could end names no session: it is not honoured."""
    now = int(clock.now().timestamp())
    user_id = client.get("/api/v1/users/me/", headers=admin).json()["id"]
    claims = {"sub": user_id, "aud": "tasksync", "iat": now, "exp": now + 3600}
    old = jwt.encode(claims, settings.secret_key, algorithm="HS256")
    client.cookies.set("tasksync_session", old, path="/console")
    response = client.get("/console/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/"


def test_form_post_without_or_with_a_wrong_csrf_token_changes_nothing(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    console_login(client, ADMIN_EMAIL)
    for data in ({"name": "Forged"}, {"name": "Forged", "csrf_token": "0" * 64}):
        response = client.post("/console/projects", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "Form refused" in response.text
        assert "nothing was changed" in response.text
    assert client.get("/api/v1/projects/", headers=admin).json()["results"] == []


def test_csrf_token_of_one_session_fails_in_another(
    client: TestClient[Any], clock: FakeClock
) -> None:
    console_login(client, ADMIN_EMAIL)
    old_token = csrf_of(client.get("/console/").text)
    clock.advance(5)
    console_login(client, ADMIN_EMAIL)
    response = client.post(
        "/console/projects", data={"name": "x", "csrf_token": old_token}, follow_redirects=False
    )
    # Same user, later session: the token was bound to the old cookie.
    assert response.status_code == 403


def test_session_cookie_does_not_authenticate_the_json_api(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    """A cross-site POST carries the cookie but no CSRF token: the API must refuse it."""
    console_login(client, ADMIN_EMAIL)
    project_id = api_project(client, admin)
    cookie = {"Cookie": f"tasksync_session={client.cookies['tasksync_session']}"}
    for method, path, body in (
        ("POST", "/api/v1/projects/", {"name": "Forged"}),
        ("POST", f"/api/v1/projects/{project_id}/api-tokens/", {"name": "Forged"}),
        ("GET", "/api/v1/users/me/", None),
    ):
        response = client.request(method, path, json=body, headers=cookie)
        assert response.status_code == 401, path
    listed = client.get("/api/v1/projects/", headers=admin).json()["results"]
    assert [p["name"] for p in listed] == ["Apollo"]


def test_console_pages_are_not_cached_or_framed(client: TestClient[Any]) -> None:
    console_login(client, ADMIN_EMAIL)
    response = client.get("/console/")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def _request(peer: str, proto: str) -> Request[Any, Any, Any]:
    scope: Any = {
        "type": "http",
        "scheme": "http",
        "method": "GET",
        "path": "/console/login",
        "query_string": b"",
        "server": ("tasks.example.com", 80),
        "client": (peer, 50000),
        "headers": [(b"x-forwarded-proto", proto.encode())],
    }
    return Request(scope)


def test_forwarded_https_counts_only_from_a_trusted_proxy(settings: Settings) -> None:
    behind = msgspec.structs.replace(settings, trusted_proxies="10.0.0.0/8")
    assert is_https(_request("10.1.2.3", "https"), behind)
    assert not is_https(_request("10.1.2.3", "http"), behind)
    assert not is_https(_request("203.0.113.9", "https"), behind)
    assert not is_https(_request("10.1.2.3", "https"), settings)


def test_only_plain_console_paths_are_followed_after_login() -> None:
    assert safe_next("/console/projects/abc/tokens") == "/console/projects/abc/tokens"
    for hostile in (
        None,
        "",
        "//evil.example/",
        "https://evil.example/",
        "/console/\\evil.example",
        "/console/x\r\nSet-Cookie: a=b",
        "/console/login?next=/console/",
        "/consolex",
    ):
        assert safe_next(hostile) == "/console/", hostile


def test_the_console_login_is_throttled_like_the_api_login(client: TestClient[Any]) -> None:
    def attempt(password: str) -> Any:
        page = client.get("/console/login")
        return client.post(
            "/console/login",
            data={"email": ADMIN_EMAIL, "password": password, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )

    failures = [attempt("wrong password").status_code for _ in range(10)]
    refused = attempt("correct horse battery")
    api = client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "correct horse battery"}
    )

    assert failures == [401] * 10
    assert refused.status_code == 429
    assert "Too many failed logins for this email" in refused.text
    assert refused.headers["retry-after"]
    assert "tasksync_session=" not in refused.headers.get("set-cookie", "")
    assert api.status_code == 429

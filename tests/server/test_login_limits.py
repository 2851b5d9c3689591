"""Brute-force throttling of logins (server/login_limits.py) over HTTP."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from server.clock import FakeClock
from tests.conftest import ADMIN_EMAIL, PASSWORD, create_user

LOGIN = "/api/v1/auth/login"


def attempt(client: TestClient[Any], email: str, password: str = "wrong") -> Any:
    return client.post(LOGIN, json={"email": email, "password": password})


def test_the_eleventh_failed_login_for_an_email_is_a_429_with_retry_after(
    client: TestClient[Any], clock: FakeClock
) -> None:
    failures = []
    for _ in range(10):
        failures.append(attempt(client, ADMIN_EMAIL).status_code)
        clock.advance(1)

    refused = attempt(client, ADMIN_EMAIL.upper())

    assert failures == [401] * 10
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "890"
    assert refused.json() == {
        "type": "https://tasksync.dev/problems/too-many-requests",
        "title": "Too many requests",
        "status": 429,
        "detail": "Too many failed logins for this email (at most 10 in 15 minutes); "
        "try again in 890 seconds.",
    }


def test_a_throttled_email_is_refused_even_with_the_right_password(
    client: TestClient[Any],
) -> None:
    for _ in range(10):
        attempt(client, ADMIN_EMAIL)

    response = attempt(client, ADMIN_EMAIL, PASSWORD)

    assert response.status_code == 429


def test_an_unknown_email_is_answered_exactly_like_a_known_one(
    client: TestClient[Any],
) -> None:
    unknown = [attempt(client, "nobody@example.com") for _ in range(11)]
    known = [attempt(client, ADMIN_EMAIL) for _ in range(11)]

    assert [a.status_code for a in unknown] == [401] * 10 + [429]
    assert [a.json() for a in unknown] == [a.json() for a in known]
    assert unknown[10].headers["retry-after"] == known[10].headers["retry-after"]


def test_failures_leave_the_window_after_15_minutes(
    client: TestClient[Any], clock: FakeClock
) -> None:
    for _ in range(10):
        attempt(client, ADMIN_EMAIL)
    clock.advance(15 * 60 - 1)
    still_refused = attempt(client, ADMIN_EMAIL, PASSWORD)
    clock.advance(1)

    response = attempt(client, ADMIN_EMAIL, PASSWORD)

    assert still_refused.status_code == 429
    assert still_refused.headers["retry-after"] == "1"
    assert response.status_code == 200


def test_only_failures_count(client: TestClient[Any]) -> None:
    for _ in range(9):
        attempt(client, ADMIN_EMAIL)
    successes = [attempt(client, ADMIN_EMAIL, PASSWORD).status_code for _ in range(20)]

    tenth_failure = attempt(client, ADMIN_EMAIL)
    then = attempt(client, ADMIN_EMAIL, PASSWORD)

    assert successes == [200] * 20
    assert tenth_failure.status_code == 401
    assert then.status_code == 429


def test_a_success_does_not_clear_earlier_failures(client: TestClient[Any]) -> None:
    for _ in range(9):
        attempt(client, ADMIN_EMAIL)
    assert attempt(client, ADMIN_EMAIL, PASSWORD).status_code == 200

    answers = [attempt(client, ADMIN_EMAIL).status_code for _ in range(2)]

    assert answers == [401, 429]


def test_other_emails_still_log_in_while_one_is_throttled(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    create_user(client, admin, "priya@example.com")
    for _ in range(11):
        attempt(client, ADMIN_EMAIL)

    response = attempt(client, "priya@example.com", PASSWORD)

    assert response.status_code == 200


def test_the_51st_failure_from_one_address_is_a_429(client: TestClient[Any]) -> None:
    answers = [attempt(client, f"guess{n}@example.com").status_code for n in range(50)]

    refused = attempt(client, ADMIN_EMAIL, PASSWORD)

    assert answers == [401] * 50
    assert refused.status_code == 429
    assert refused.json()["detail"] == (
        "Too many failed logins for this address (at most 50 in 15 minutes); "
        "try again in 900 seconds."
    )
    assert refused.headers["retry-after"] == "900"


def test_a_malformed_login_body_does_not_count(client: TestClient[Any]) -> None:
    for _ in range(20):
        client.post(LOGIN, json={"email": ADMIN_EMAIL})

    response = attempt(client, ADMIN_EMAIL, PASSWORD)

    assert response.status_code == 200


def test_the_openapi_document_lists_the_429_of_login(client: TestClient[Any]) -> None:
    document = client.get("/schema/openapi.json").json()
    responses = document["paths"]["/api/v1/auth/login"]["post"]["responses"]

    assert set(responses) == {"200", "400", "401", "408", "413", "415", "429"}
    assert responses["429"]["content"]["application/problem+json"]

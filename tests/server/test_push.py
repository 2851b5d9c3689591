"""Field rules of a push (SPEC 4.1): every broken rule is a 400 that names the field."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from msgspec import UNSET

from server.clock import FakeClock
from server.config import Settings
from server.push import ACCEPTED_FIELDS, Payload, check_payload
from tests.server.sync_helpers import Sync, counts, setup_sync, task

BASE = {"source": "jira", "external_id": "PROJ-1"}


@pytest.fixture
def sync(client: TestClient[Any], settings: Settings, clock: FakeClock) -> Sync:
    return setup_sync(client, settings, clock)


def errors_of(sync: Sync, payload: dict[str, Any]) -> list[dict[str, str]]:
    before = counts(sync.settings)
    response = sync.push(payload)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert counts(sync.settings) == before
    body = response.json()
    assert body["type"] == "https://tasksync.dev/problems/invalid-request"
    errors: list[dict[str, str]] = body["errors"]
    return errors


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param(
            {"source": "Jira"},
            "source",
            "must be lower-case: send 'jira', not 'Jira'",
            id="upper",
        ),
        pytest.param(
            {"source": "1jira"},
            "source",
            "must match ^[a-z][a-z0-9_]{0,31}$: a lower-case letter, then a-z, 0-9 or _",
            id="digit-first",
        ),
        pytest.param(
            {"source": "jira\n"},
            "source",
            "must match ^[a-z][a-z0-9_]{0,31}$: a lower-case letter, then a-z, 0-9 or _",
            id="trailing-newline",
        ),
        pytest.param(
            {"source": "a" * 33},
            "source",
            "must match ^[a-z][a-z0-9_]{0,31}$: a lower-case letter, then a-z, 0-9 or _",
            id="too-long",
        ),
        pytest.param({"external_id": "   "}, "external_id", "must not be empty", id="blank-id"),
        pytest.param(
            {"external_id": "x" * 256},
            "external_id",
            "must be at most 255 characters",
            id="long-id",
        ),
        pytest.param(
            {"external_id": "A\n1"},
            "external_id",
            "must not contain control characters",
            id="control",
        ),
        pytest.param({"name": "n" * 513}, "name", "must be at most 512 characters", id="name"),
        pytest.param(
            {"description": "d" * 100_001},
            "description",
            "must be at most 100000 characters",
            id="description",
        ),
        pytest.param(
            {"status": "s" * 65}, "status", "must be at most 64 characters", id="status"
        ),
        pytest.param(
            {"assignee_email": "priya"},
            "assignee_email",
            "is not an email address",
            id="email",
        ),
        pytest.param(
            {"assignee_email": "p" * 250 + "@x.io"},
            "assignee_email",
            "must be at most 254 characters",
            id="long-email",
        ),
        pytest.param(
            {"story_points": 2.5}, "story_points", "must be a whole number", id="fraction"
        ),
        pytest.param(
            {"story_points": 1000}, "story_points", "must be between 0 and 999", id="over"
        ),
        pytest.param(
            {"story_points": -1}, "story_points", "must be between 0 and 999", id="negative"
        ),
        pytest.param(
            {"story_points": True},
            "story_points",
            "must be a number or null, not true or false",
            id="bool",
        ),
        pytest.param(
            {"story_points": "3"},
            "story_points",
            "must be a number or null, not a string",
            id="string",
        ),
        pytest.param(
            {"external_url": "ftp://example.com/x"},
            "external_url",
            "must be an absolute http or https URL",
            id="ftp",
        ),
        pytest.param(
            {"external_url": "/browse/PROJ-1"},
            "external_url",
            "must be an absolute http or https URL",
            id="relative",
        ),
        pytest.param(
            {"external_url": "https://x.io/" + "a" * 2000},
            "external_url",
            "must be at most 2000 characters",
            id="long-url",
        ),
        pytest.param(
            {"parent_external_id": "PROJ-1"},
            "parent_external_id",
            "must differ from external_id (a task cannot be its own parent)",
            id="own-parent",
        ),
        pytest.param(
            {"parent_external_id": "P\x00"},
            "parent_external_id",
            "must not contain control characters",
            id="parent-control",
        ),
        pytest.param(
            {"updated_at": "yesterday"},
            "updated_at",
            "must be an RFC 3339 time such as 2026-01-31T09:30:00Z",
            id="prose-time",
        ),
        pytest.param(
            {"updated_at": "2026-01-31T09:30:00"},
            "updated_at",
            "must be an RFC 3339 time such as 2026-01-31T09:30:00Z",
            id="no-offset",
        ),
        pytest.param(
            {"updated_at": "2026-02-30T09:30:00Z"},
            "updated_at",
            "is not a real date and time",
            id="february-30",
        ),
    ],
)
def test_a_broken_field_rule_is_a_400_naming_the_field(
    sync: Sync, fields: dict[str, Any], field: str, message: str
) -> None:
    assert errors_of(sync, {**BASE, **fields}) == [{"field": field, "message": message}]


def test_an_unknown_field_is_named_with_the_accepted_ones(sync: Sync) -> None:
    accepted = ", ".join(ACCEPTED_FIELDS)

    assert errors_of(sync, {**BASE, "title": "Add CSV export"}) == [
        {"field": "title", "message": f"unknown field; accepted fields: {accepted}"}
    ]


def test_missing_required_fields_are_named(sync: Sync) -> None:
    assert errors_of(sync, {"external_id": "PROJ-1"}) == [
        {"field": "source", "message": "this field is required"}
    ]


def test_every_broken_rule_is_reported_at_once(sync: Sync) -> None:
    errors = errors_of(
        sync,
        {
            "source": "Jira",
            "external_id": "",
            "story_points": 2.5,
            "external_url": "mailto:x@y.z",
            "updated_at": "soon",
        },
    )

    assert [error["field"] for error in errors] == [
        "source",
        "external_id",
        "story_points",
        "external_url",
        "updated_at",
    ]


def test_a_whole_float_story_point_is_taken_as_an_integer(sync: Sync) -> None:
    response = sync.push({**BASE, "story_points": 3.0})

    assert response.status_code == 201
    assert task(sync.settings, response.json()["task_id"])["story_points"] == 3


def test_fields_are_trimmed_and_the_email_lower_cased(sync: Sync) -> None:
    response = sync.push(
        {
            "source": "jira",
            "external_id": "  PROJ-1 ",
            "name": "  Export  ",
            "assignee_email": " Priya@Example.COM ",
            "parent_external_id": " PROJ-0 ",
        }
    )

    stored = task(sync.settings, response.json()["task_id"])
    assert (stored["external_id"], stored["name"]) == ("PROJ-1", "Export")
    assert stored["pending_assignee_email"] == "priya@example.com"
    assert stored["parent_external_id"] == "PROJ-0"


def test_empty_strings_in_optional_fields_mean_absent(sync: Sync) -> None:
    response = sync.push(
        {
            **BASE,
            "name": "",
            "description": "",
            "status": "",
            "assignee_email": "",
            "external_url": "",
            "parent_external_id": "",
            "updated_at": "",
        }
    )

    assert response.status_code == 201
    assert response.json()["warnings"] == []
    stored = task(sync.settings, response.json()["task_id"])
    assert stored["name"] == "PROJ-1"
    assert stored["status"] == "BACKLOG"
    assert stored["description"] is None
    assert stored["pending_assignee_email"] is None


def test_check_payload_tells_absent_from_null() -> None:
    absent = check_payload(Payload(source="jira", external_id="A-1"))
    cleared = check_payload(
        Payload(
            source="jira",
            external_id="A-1",
            name=None,
            description=None,
            status=None,
            assignee_email=None,
            story_points=None,
            external_url=None,
            parent_external_id=None,
        )
    )

    assert (absent.description, absent.story_points, absent.external_url) == (UNSET,) * 3
    assert absent.parent_external_id is UNSET
    assert (cleared.description, cleared.story_points, cleared.external_url) == (None,) * 3
    assert cleared.parent_external_id is None
    assert (cleared.name, cleared.status, cleared.assignee_email) == (None, None, None)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("2026-01-31T09:30:00Z", "2026-01-31T09:30:00.000000Z"),
        ("2026-01-31t09:30:00.5z", "2026-01-31T09:30:00.500000Z"),
        ("2026-01-31T10:30:00+01:00", "2026-01-31T09:30:00.000000Z"),
        ("2026-01-31T10:30:00.000+0100", "2026-01-31T09:30:00.000000Z"),
    ],
)
def test_updated_at_is_normalised_to_utc(value: str, stored: str) -> None:
    assert check_payload(Payload("jira", "A-1", updated_at=value)).updated_at == stored

"""The upsert rules of a push (SPEC 4.2-4.5, 4.7), over HTTP on a real database file."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import TestClient

from server.clock import FakeClock
from server.config import Settings
from tests.conftest import create_user
from tests.server.sync_helpers import (
    Sync,
    counts,
    history,
    join_quietly,
    rows,
    setup_sync,
    task,
)

BASE = {"source": "jira", "external_id": "PROJ-1"}


@pytest.fixture
def sync(client: TestClient[Any], settings: Settings, clock: FakeClock) -> Sync:
    return setup_sync(client, settings, clock, status_map={"shipped": "REVIEW"})


def push(sync: Sync, **fields: Any) -> dict[str, Any]:
    response = sync.push({**BASE, **fields})
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_first_push_creates_the_task_in_the_backlog(sync: Sync) -> None:
    response = sync.push({**BASE, "name": "Add CSV export", "story_points": 3})

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "task_id": body["task_id"],
        "short_id": "00000001",
        "created": True,
        "assignee_resolved": False,
        "status": "BACKLOG",
        "parent_attached": False,
        "warnings": [],
    }
    stored = task(sync.settings, body["task_id"])
    assert (stored["name"], stored["story_points"], stored["sprint_id"]) == (
        "Add CSV export",
        3,
        None,
    )


def test_a_re_push_updates_the_same_task(sync: Sync) -> None:
    first = push(sync, name="Old")
    sync.clock.advance(5)

    response = sync.push({**BASE, "name": "New", "status": "done"})

    assert response.status_code == 200
    assert response.json() == {**first, "created": False, "status": "COMPLETE"}
    assert task(sync.settings, first["task_id"])["name"] == "New"
    assert counts(sync.settings)["tasks"] == 1


def test_short_ids_count_up_per_project(sync: Sync, client: TestClient[Any]) -> None:
    ids = [push(sync, external_id=f"P-{n}")["short_id"] for n in range(1, 4)]
    other = setup_sync(client, sync.settings, sync.clock)

    assert ids == ["00000001", "00000002", "00000003"]
    assert other.push(BASE).json()["short_id"] == "00000001"


def test_the_name_defaults_to_the_external_id(sync: Sync) -> None:
    assert task(sync.settings, push(sync)["task_id"])["name"] == "PROJ-1"


# -- status (4.3) ------------------------------------------------------------------------


def set_status_by_hand(sync: Sync, task_id: str, status: str) -> None:
    edit = sync.client.patch(
        f"/api/v1/projects/{sync.project_id}/tasks/{task_id}/",
        json={"status": status},
        headers=sync.admin,
    )
    assert edit.status_code == 200, edit.text


def test_a_re_push_without_status_keeps_a_status_set_by_hand(sync: Sync) -> None:
    task_id = push(sync, status="todo")["task_id"]
    set_status_by_hand(sync, task_id, "ON_HOLD")

    body = push(sync, name="Renamed")

    assert body["status"] == "ON_HOLD"
    assert task(sync.settings, task_id)["status"] == "ON_HOLD"


def test_a_re_push_with_status_overrides_the_hand_edit_and_history_shows_both(
    sync: Sync,
) -> None:
    task_id = push(sync, status="todo")["task_id"]
    set_status_by_hand(sync, task_id, "COMPLETE")

    push(sync, status="in progress")

    changes = [entry["changes"] for entry in history(sync.settings, task_id)[1:]]
    assert changes == [
        [{"field": "status", "old": "NOT_STARTED", "new": "COMPLETE"}],
        [{"field": "status", "old": "COMPLETE", "new": "IN_PROGRESS"}],
    ]


def test_the_token_status_map_overrides_the_default(sync: Sync) -> None:
    assert push(sync, status="Shipped")["status"] == "REVIEW"  # default says COMPLETE
    assert push(sync, external_id="P-2", status="In Progress")["status"] == "IN_PROGRESS"


def test_an_unmapped_status_lands_in_backlog_with_a_warning_and_is_counted(sync: Sync) -> None:
    created = push(sync, status="Waiting for QA")
    push(sync, external_id="P-2", status="status")
    sync.clock.advance(10)
    push(sync, external_id="P-3", status="waiting-for-qa")

    assert created["status"] == "BACKLOG"
    assert created["warnings"] == [
        "Status 'Waiting for QA' is not mapped to a tasksync status, so the task was put in "
        "BACKLOG; add it to the token's status_map."
    ]
    assert rows(
        sync.settings,
        "SELECT source, status_key, last_value, count, last_seen_at FROM unmapped_statuses"
        " ORDER BY status_key",
    ) == [
        {
            "source": "jira",
            "status_key": "status",
            "last_value": "status",
            "count": 1,
            "last_seen_at": "2026-01-01T12:00:00.000000Z",
        },
        {
            "source": "jira",
            "status_key": "waiting_for_qa",
            "last_value": "waiting-for-qa",
            "count": 2,
            "last_seen_at": "2026-01-01T12:00:10.000000Z",
        },
    ]


def test_a_project_remembers_a_bounded_number_of_unmapped_statuses(
    sync: Sync, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("server.storage.push.MAX_UNMAPPED_PER_PROJECT", 2)
    for number in range(4):
        push(sync, external_id=f"P-{number}", status=f"odd status {number}")

    beyond = push(sync, external_id="P-9", status="odd status 9")
    push(sync, external_id="P-10", status="odd status 0")

    assert beyond["warnings"] == [
        "Status 'odd status 9' is not mapped to a tasksync status, so the task was put in "
        "BACKLOG; add it to the token's status_map."
    ]
    assert rows(
        sync.settings, "SELECT status_key, count FROM unmapped_statuses ORDER BY status_key"
    ) == [
        {"status_key": "odd_status_0", "count": 2},
        {"status_key": "odd_status_1", "count": 1},
    ]


def test_an_unmapped_status_on_update_leaves_the_status_alone(sync: Sync) -> None:
    push(sync, status="in progress")

    body = push(sync, status="Limbo")

    assert body["status"] == "IN_PROGRESS"
    assert body["warnings"] == [
        "Status 'Limbo' is not mapped to a tasksync status, so the status was left as it was; "
        "add it to the token's status_map."
    ]


# -- assignee (4.4) ----------------------------------------------------------------------


def test_a_member_email_sets_the_assignee(sync: Sync, admin: dict[str, str]) -> None:
    priya = create_user(sync.client, admin, "priya@example.com")
    sync.add_member("priya@example.com")

    body = push(sync, assignee_email="PRIYA@example.com")

    assert body["assignee_resolved"] is True
    assert task(sync.settings, body["task_id"])["assignee_id"] == priya["id"]


def test_an_email_is_parked_then_resolved_on_a_later_push_after_the_person_joined(
    sync: Sync, admin: dict[str, str]
) -> None:
    first = push(sync, assignee_email="Priya@Example.com")
    priya = create_user(sync.client, admin, "priya@example.com")
    join_quietly(sync.settings, sync.project_id, "priya@example.com", "viewer")

    second = push(sync, assignee_email="priya@example.com")

    assert first["assignee_resolved"] is False
    assert second["assignee_resolved"] is True
    stored = task(sync.settings, first["task_id"])
    assert (stored["assignee_id"], stored["pending_assignee_email"]) == (priya["id"], None)


def test_a_parked_email_is_resolved_by_a_push_that_sends_no_email(
    sync: Sync, admin: dict[str, str]
) -> None:
    task_id = push(sync, assignee_email="priya@example.com")["task_id"]
    priya = create_user(sync.client, admin, "priya@example.com")
    join_quietly(sync.settings, sync.project_id, "priya@example.com")

    body = push(sync, name="Renamed")

    assert body["assignee_resolved"] is False  # this push sent no email
    stored = task(sync.settings, task_id)
    assert (stored["assignee_id"], stored["pending_assignee_email"]) == (priya["id"], None)


def test_joining_through_the_api_resolves_at_once_and_the_next_push_agrees(
    sync: Sync, admin: dict[str, str]
) -> None:
    task_id = push(sync, assignee_email="priya@example.com")["task_id"]
    priya = create_user(sync.client, admin, "priya@example.com")
    sync.add_member("priya@example.com")

    body = push(sync, assignee_email="priya@example.com")

    assert body["assignee_resolved"] is True
    assert task(sync.settings, task_id)["assignee_id"] == priya["id"]


def test_a_non_member_email_is_not_a_match(sync: Sync, admin: dict[str, str]) -> None:
    create_user(sync.client, admin, "outsider@example.com")

    body = push(sync, assignee_email="outsider@example.com")

    assert body["assignee_resolved"] is False
    assert task(sync.settings, body["task_id"])["pending_assignee_email"] == (
        "outsider@example.com"
    )


def test_an_unmatched_email_replaces_the_parked_one(sync: Sync) -> None:
    task_id = push(sync, assignee_email="a@example.com")["task_id"]

    push(sync, assignee_email="b@example.com")

    assert task(sync.settings, task_id)["pending_assignee_email"] == "b@example.com"


def test_a_task_with_an_assignee_keeps_it_whatever_the_push_says(
    sync: Sync, admin: dict[str, str]
) -> None:
    priya = create_user(sync.client, admin, "priya@example.com")
    create_user(sync.client, admin, "mallory@example.com")
    sync.add_member("priya@example.com")
    sync.add_member("mallory@example.com")
    task_id = push(sync, assignee_email="priya@example.com")["task_id"]

    to_member = push(sync, assignee_email="mallory@example.com")
    to_stranger = push(sync, assignee_email="stranger@example.com")

    assert (to_member["assignee_resolved"], to_stranger["assignee_resolved"]) == (True, False)
    stored = task(sync.settings, task_id)
    assert (stored["assignee_id"], stored["pending_assignee_email"]) == (priya["id"], None)


# -- parent (4.5) ------------------------------------------------------------------------


def test_a_child_pushed_before_its_parent_is_attached_when_the_parent_arrives(
    sync: Sync,
) -> None:
    child = push(sync, external_id="STORY-2", parent_external_id="EPIC-1")

    parent = push(sync, external_id="EPIC-1")

    assert child["parent_attached"] is False
    assert child["warnings"] == [
        "Parent 'EPIC-1' has not been pushed from source 'jira' yet; the task will be attached "
        "to it when it is."
    ]
    assert task(sync.settings, child["task_id"])["parent_id"] == parent["task_id"]
    assert push(sync, external_id="STORY-2")["parent_attached"] is True


def test_a_three_level_hierarchy(sync: Sync) -> None:
    epic = push(sync, external_id="EPIC-1")
    story = push(sync, external_id="STORY-1", parent_external_id="EPIC-1")
    sub = push(sync, external_id="SUB-1", parent_external_id="STORY-1")

    assert story["parent_attached"] and sub["parent_attached"]
    assert task(sync.settings, story["task_id"])["parent_id"] == epic["task_id"]
    assert task(sync.settings, sub["task_id"])["parent_id"] == story["task_id"]


def test_a_three_level_hierarchy_pushed_bottom_up(sync: Sync) -> None:
    sub = push(sync, external_id="SUB-1", parent_external_id="STORY-1")
    story = push(sync, external_id="STORY-1", parent_external_id="EPIC-1")
    epic = push(sync, external_id="EPIC-1")

    assert task(sync.settings, sub["task_id"])["parent_id"] == story["task_id"]
    assert task(sync.settings, story["task_id"])["parent_id"] == epic["task_id"]


def test_an_update_can_move_a_task_to_another_parent(sync: Sync) -> None:
    push(sync, external_id="EPIC-1")
    other = push(sync, external_id="EPIC-2")
    story = push(sync, external_id="STORY-1", parent_external_id="EPIC-1")

    moved = push(sync, external_id="STORY-1", parent_external_id="EPIC-2")

    assert moved["parent_attached"] is True
    assert task(sync.settings, story["task_id"])["parent_id"] == other["task_id"]


def test_a_parent_that_would_make_a_cycle_is_not_attached(sync: Sync) -> None:
    epic = push(sync, external_id="EPIC-1")
    story = push(sync, external_id="STORY-1", parent_external_id="EPIC-1")
    push(sync, external_id="SUB-1", parent_external_id="STORY-1")

    body = push(sync, external_id="EPIC-1", parent_external_id="SUB-1")

    assert body["parent_attached"] is False
    assert body["warnings"] == [
        "Parent 'SUB-1' was not attached: it is this task or one of its descendants, so "
        "attaching it would make a cycle."
    ]
    assert task(sync.settings, epic["task_id"])["parent_id"] is None
    assert task(sync.settings, story["task_id"])["parent_id"] == epic["task_id"]


def test_two_tasks_naming_each_other_as_parent_do_not_make_a_cycle(sync: Sync) -> None:
    a = push(sync, external_id="A", parent_external_id="B")
    b = push(sync, external_id="B", parent_external_id="A")

    assert b["parent_attached"] is True
    assert b["warnings"] == [
        "A task waiting for this one as its parent was not attached: it is one of this "
        "task's ancestors, so attaching it would make a cycle."
    ]
    assert task(sync.settings, a["task_id"])["parent_id"] is None


def test_a_parent_from_another_source_is_never_attached(sync: Sync) -> None:
    push(sync, source="linear", external_id="EPIC-1")

    body = push(sync, external_id="STORY-1", parent_external_id="EPIC-1")

    assert body["parent_attached"] is False
    assert body["warnings"] == [
        "Parent 'EPIC-1' was not attached: no task from source 'jira' has that id, and a "
        "task from another source cannot be a parent."
    ]
    assert task(sync.settings, body["task_id"])["parent_id"] is None


# -- absent versus null (4.1) ------------------------------------------------------------


FULL = {
    "name": "Export",
    "description": "Customers asked",
    "status": "in progress",
    "story_points": 5,
    "external_url": "https://x.atlassian.net/browse/PROJ-1",
    "parent_external_id": "EPIC-1",
}


def test_absent_fields_leave_stored_values_alone(sync: Sync) -> None:
    push(sync, external_id="EPIC-1")
    task_id = push(sync, **FULL)["task_id"]
    before = task(sync.settings, task_id)

    push(sync)

    assert task(sync.settings, task_id) == {**before, "updated_at": before["updated_at"]}


def test_null_clears_description_points_url_and_parent(sync: Sync) -> None:
    push(sync, external_id="EPIC-1")
    task_id = push(sync, **FULL)["task_id"]

    body = push(
        sync, description=None, story_points=None, external_url=None, parent_external_id=None
    )

    stored = task(sync.settings, task_id)
    assert body["parent_attached"] is False
    assert [stored[key] for key in ("description", "story_points", "external_url")] == [
        None
    ] * 3
    assert (stored["parent_id"], stored["parent_external_id"]) == (None, None)


def test_null_name_status_and_email_mean_absent(sync: Sync) -> None:
    task_id = push(sync, **FULL, assignee_email="a@example.com")["task_id"]

    push(sync, name=None, status=None, assignee_email=None)

    stored = task(sync.settings, task_id)
    assert (stored["name"], stored["status"]) == ("Export", "IN_PROGRESS")
    assert stored["pending_assignee_email"] == "a@example.com"


# -- out of order (4.7) ------------------------------------------------------------------


def test_a_push_older_than_the_last_applied_one_changes_nothing(sync: Sync) -> None:
    first = push(sync, name="New", updated_at="2026-01-02T10:00:00Z")
    before = counts(sync.settings)

    response = sync.push({**BASE, "name": "Old", "updated_at": "2026-01-02T09:00:00+00:00"})

    assert response.status_code == 200
    assert response.json() == {
        **first,
        "created": False,
        "warnings": [
            "This push's updated_at (2026-01-02T09:00:00.000000Z) is older than the change "
            "already applied (2026-01-02T10:00:00.000000Z), so nothing was changed."
        ],
    }
    assert task(sync.settings, first["task_id"])["name"] == "New"
    assert counts(sync.settings) == {**before, "audit_entries": before["audit_entries"] + 1}


def test_pushes_without_updated_at_and_newer_ones_apply(sync: Sync) -> None:
    task_id = push(sync, name="One", updated_at="2026-01-02T10:00:00Z")["task_id"]

    push(sync, name="Two")
    push(sync, name="Three", updated_at="2026-01-02T11:00:00Z")

    stored = task(sync.settings, task_id)
    assert (stored["name"], stored["source_updated_at"]) == (
        "Three",
        "2026-01-02T11:00:00.000000Z",
    )


# -- history and audit -------------------------------------------------------------------


def test_each_changing_push_writes_one_history_entry_and_others_none(sync: Sync) -> None:
    prefix = sync.token[5:13]
    task_id = push(sync, name="One", story_points=2)["task_id"]
    push(sync, name="One", story_points=2)
    push(sync, name="Two", story_points=None, status="done")

    assert history(sync.settings, task_id) == [
        {
            "actor": {"token_prefix": prefix},
            "changes": [
                {"field": "name", "old": None, "new": "One"},
                {"field": "status", "old": None, "new": "BACKLOG"},
                {"field": "story_points", "old": None, "new": 2},
            ],
        },
        {
            "actor": {"token_prefix": prefix},
            "changes": [
                {"field": "name", "old": "One", "new": "Two"},
                {"field": "status", "old": "BACKLOG", "new": "COMPLETE"},
                {"field": "story_points", "old": 2, "new": None},
            ],
        },
    ]


def test_each_push_leaves_a_used_audit_entry_and_marks_the_token_used(sync: Sync) -> None:
    body = push(sync, status="weird")

    entries = rows(
        sync.settings,
        "SELECT action, token_prefix, source_ip, detail FROM audit_entries"
        " WHERE action = 'used'",
    )
    assert entries == [
        {
            "action": "used",
            "token_prefix": sync.token[5:13],
            "source_ip": "testclient",
            "detail": entries[0]["detail"],
        }
    ]
    assert json.loads(entries[0]["detail"]) == {
        "source": "jira",
        "external_id": "PROJ-1",
        "task_id": body["task_id"],
        "short_id": "00000001",
        "created": True,
        "assignee_resolved": False,
        "status": "BACKLOG",
        "warnings": body["warnings"],
    }
    assert rows(sync.settings, "SELECT last_used_at FROM api_tokens") == [
        {"last_used_at": "2026-01-01T12:00:00.000000Z"}
    ]


def test_a_push_never_changes_the_sprint(sync: Sync) -> None:
    task_id = push(sync)["task_id"]
    rows(
        sync.settings,
        "INSERT INTO sprints (id, project_id, name, created_at) VALUES ('s1', ?, 'S1', 'x')"
        " RETURNING id",
        sync.project_id,
    )
    rows(sync.settings, "UPDATE tasks SET sprint_id = 's1' RETURNING id")

    push(sync, name="Renamed", status="done")

    assert task(sync.settings, task_id)["sprint_id"] == "s1"

"""relays.mappings, the importer's door: exports and webhooks of one issue agree."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from relays.mappings import (
    MappingOptions,
    UnknownSource,
    iter_issues,
    linear_parent_ids_of,
    translate,
)
from tests.relays.conftest import read_json
from tests.relays.expected import FIXTURES


def fixture(name: str) -> Any:
    return read_json(FIXTURES / name)


@pytest.mark.parametrize(
    "name",
    [
        "jira/cloud-issue-created.json",
        "jira/cloud-issue-assigned-no-email-with-epic-parent.json",
        "jira/server-issue-updated-work-started.json",
    ],
)
def test_jira_search_result_issue_translates_like_its_webhook(name: str) -> None:
    webhook = fixture(name)
    search_result = {"startAt": 0, "total": 1, "issues": [webhook["issue"]]}

    (issue,) = iter_issues("jira", search_result)

    assert translate("jira", issue) == translate("jira", webhook)


def test_gh_issue_list_item_translates_like_its_webhook() -> None:
    webhook = fixture("github/issues-closed-completed.json")
    gh_item = {
        "number": 8,
        "title": "Bug related to the bot",
        "body": "",
        "state": "CLOSED",
        "stateReason": "COMPLETED",
        "assignees": [],
        "url": "https://github.com/octo-example/test-repo/issues/8",
        "updatedAt": "2026-01-31T08:11:37Z",
        "labels": [],
    }

    (issue,) = iter_issues("github", [gh_item])

    assert translate("github", issue) == translate("github", webhook)


def test_gh_issue_list_not_planned_and_points_and_assignee() -> None:
    gh_item = {
        "number": 12,
        "title": "Drop IE",
        "body": "why",
        "state": "CLOSED",
        "stateReason": "NOT_PLANNED",
        "assignees": [{"login": "octocat", "id": "MDQ6", "name": "Octo"}],
        "url": "https://github.com/o/r/issues/12",
        "updatedAt": "2026-02-01T10:00:00Z",
        "labels": [{"name": "points:5", "color": "fff"}],
    }
    options = MappingOptions(assignee_emails={"octocat": "octo@example.com"})

    assert translate("github", gh_item, options) == {
        "source": "github",
        "external_id": "12",
        "name": "Drop IE",
        "description": "why",
        "status": "not_planned",
        "assignee_email": "octo@example.com",
        "story_points": 5,
        "external_url": "https://github.com/o/r/issues/12",
        "updated_at": "2026-02-01T10:00:00Z",
    }


def test_linear_issue_object_translates_like_its_webhook_when_it_has_its_url() -> None:
    webhook = fixture("linear/issue-update-title.json")
    issue = {**webhook["data"], "url": webhook["url"]}

    assert translate("linear", issue) == translate("linear", webhook)


def test_linear_export_resolves_parent_uuids_from_the_export_itself() -> None:
    parent = fixture("linear/issue-update-title.json")["data"]
    child = fixture("linear/issue-create-sub-issue-parentid.json")["data"]
    export = {"data": {"issues": {"nodes": [parent, child]}}}
    issues = list(iter_issues("linear", export))
    options = MappingOptions(linear_parent_ids=linear_parent_ids_of(issues))

    payloads = [translate("linear", issue, options) for issue in issues]

    assert [p and p.get("parent_external_id") for p in payloads] == [None, "WEB-44"]


def test_deletes_and_other_events_translate_to_nothing() -> None:
    assert translate("github", fixture("github/issues-deleted.json")) is None
    assert translate("jira", fixture("jira/cloud-issue-deleted.json")) is None
    assert (
        translate("jira", fixture("jira/cloud-comment-created-not-an-issue-event.json")) is None
    )
    assert translate("linear", fixture("linear/issue-remove.json")) is None


def test_issue_without_an_id_translates_to_nothing() -> None:
    issue = copy.deepcopy(fixture("jira/cloud-issue-created.json")["issue"])
    del issue["key"]

    assert translate("jira", issue) is None


def test_unknown_source_and_non_export_are_refused_with_a_reason() -> None:
    with pytest.raises(UnknownSource, match="expected one of github, jira, linear"):
        translate("trello", {})
    with pytest.raises(ValueError, match="not a jira export"):
        list(iter_issues("jira", {"total": 0}))


def test_empty_strings_are_left_out_never_sent_as_empty() -> None:
    webhook = fixture("github/issues-reopened.json")  # body is ""

    payload = translate("github", webhook)

    assert payload is not None
    assert "description" not in payload
    assert "" not in payload.values()

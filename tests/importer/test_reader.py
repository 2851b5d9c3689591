"""Reading import files: format detection, translation by the relay mapping, push order."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from relays.mappings import MappingOptions, linear_parent_ids_of, translate
from server.importer.reader import Line, UnreadableInput, detect, push_order, read
from tests.conftest import FIXTURES

OPTIONS = MappingOptions()


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def forwarded(source: str) -> list[dict[str, Any]]:
    """Every shared webhook fixture of `source` that a relay forwards."""
    events = [
        fixture(f"{source}/{path.name}") for path in sorted((FIXTURES / source).glob("*"))
    ]
    return [event for event in events if translate(source, event) is not None]


def gh_cli_item(issue: dict[str, Any]) -> dict[str, Any]:
    """What `gh issue list --json number,title,body,state,stateReason,assignees,url,
    updatedAt,labels` prints for a REST issue: camelCase, upper-case enums."""
    return {
        "number": issue["number"],
        "title": issue["title"],
        "body": issue["body"] or "",
        "state": issue["state"].upper(),
        "stateReason": (issue.get("state_reason") or "").upper(),
        "assignees": [{"login": a["login"], "name": ""} for a in issue["assignees"]],
        "url": issue["html_url"],
        "updatedAt": issue["updated_at"],
        "labels": [{"name": label["name"]} for label in issue["labels"]],
    }


def sent(lines: list[Line]) -> list[Any]:
    return [msgspec.json.decode(line.body) for line in lines]


def test_a_jira_search_result_becomes_what_the_relay_sends_for_each_webhook() -> None:
    events = forwarded("jira")
    export = {"startAt": 0, "total": len(events), "issues": [e["issue"] for e in events]}
    data = json.dumps(export).encode()

    assert detect(data) == "jira"
    assert sent(read(data, "jira", OPTIONS)) == [translate("jira", e) for e in events]


def test_a_bare_array_of_jira_issues_is_read_as_a_search_result() -> None:
    issue = fixture("jira/cloud-issue-created.json")["issue"]
    data = json.dumps([issue]).encode()

    assert detect(data) == "jira"
    assert sent(read(data, "jira", OPTIONS)) == [translate("jira", issue)]


def test_gh_issue_list_output_becomes_what_the_workflow_sends_for_each_event() -> None:
    options = MappingOptions(assignee_emails={"Codertocat": "octocat@example.com"})
    events = forwarded("github")
    data = json.dumps([gh_cli_item(e["issue"]) for e in events]).encode()

    assert detect(data) == "github"
    assert sent(read(data, "github", options)) == [
        translate("github", e, options) for e in events
    ]


def test_a_linear_export_becomes_what_the_relay_sends_with_parents_resolved() -> None:
    events = forwarded("linear")
    # An export carries each issue's own `url`; 2023 webhook captures put it on the envelope.
    issues = [{"url": e["url"], **e["data"]} for e in events]
    data = json.dumps(issues).encode()
    relay_options = MappingOptions(linear_parent_ids=linear_parent_ids_of(issues))

    assert detect(data) == "linear"
    payloads = sent(read(data, "linear", OPTIONS))
    assert payloads == [translate("linear", e, relay_options) for e in events]
    sub_issue = next(p for p in payloads if p["external_id"] == "WEB-46")
    assert sub_issue["parent_external_id"] == "WEB-44"


def test_a_linear_graphql_answer_is_read_like_an_array() -> None:
    issue = fixture("linear/issue-create.json")["data"]
    data = json.dumps({"data": {"issues": {"nodes": [issue]}}}).encode()

    assert detect(data) == "linear"
    assert sent(read(data, "linear", OPTIONS)) == [translate("linear", issue)]


def test_jsonl_lines_are_sent_byte_for_byte_with_their_own_line_numbers() -> None:
    data = (
        b'{"source":"jira","external_id":"A-1","story_points":3.0}\n\n  \n{"source": "x"\n[1]\n'
    )

    lines = read(data, detect(data), OPTIONS)

    assert [(line.number, line.body, line.problem) for line in lines] == [
        (1, b'{"source":"jira","external_id":"A-1","story_points":3.0}', None),
        (4, b'{"source": "x"', lines[1].problem),
        (5, b"[1]", "not a JSON object"),
    ]
    assert lines[1].problem is not None and lines[1].problem.startswith("not valid JSON")


def test_an_export_item_without_an_id_is_kept_as_a_local_rejection() -> None:
    data = json.dumps({"issues": [{"fields": {"summary": "no key"}}]}).encode()

    [line] = read(data, "jira", OPTIONS)

    assert (line.number, line.payload, line.problem) == (
        1,
        None,
        "this jira issue has no id to import it by",
    )


@pytest.mark.parametrize(
    ("data", "why"),
    [
        pytest.param(b"hello", "expected JSON", id="not-json"),
        pytest.param(b'[{"source": "jira", "external_id": "A"}]', "one per line", id="array"),
        pytest.param(b'[{"id": 1}]', "use --format", id="unknown-array"),
    ],
)
def test_unreadable_files_say_what_was_expected(data: bytes, why: str) -> None:
    with pytest.raises(UnreadableInput, match=why):
        detect(data)


def jsonl(*payloads: dict[str, str]) -> list[Line]:
    return read(b"\n".join(json.dumps(p).encode() for p in payloads), "jsonl", OPTIONS)


def ids(lines: list[Line]) -> list[str]:
    return [str(line.payload["external_id"]) for line in lines if line.payload]


def test_parents_are_pushed_before_their_children_at_any_depth() -> None:
    lines = jsonl(
        {"source": "jira", "external_id": "SUB", "parent_external_id": "STORY"},
        {"source": "jira", "external_id": "OTHER"},
        {"source": "jira", "external_id": "STORY", "parent_external_id": "EPIC"},
        {"source": "jira", "external_id": "EPIC"},
    )

    assert ids(push_order(lines)) == ["EPIC", "STORY", "SUB", "OTHER"]


def test_missing_parents_cycles_and_other_sources_keep_file_order() -> None:
    lines = jsonl(
        {"source": "jira", "external_id": "A", "parent_external_id": "B"},
        {"source": "jira", "external_id": "B", "parent_external_id": "A"},
        {"source": "jira", "external_id": "C", "parent_external_id": "NOT-HERE"},
        {"source": "linear", "external_id": "D", "parent_external_id": "E"},
        {"source": "jira", "external_id": "E"},
    )

    # B is A's parent, so it goes first; A (B's parent) is already on the way: a cycle.
    assert ids(push_order(lines)) == ["B", "A", "C", "D", "E"]


def test_push_order_keeps_every_line_once() -> None:
    payloads = [
        {"source": "jira", "external_id": f"T-{i}", "parent_external_id": f"T-{(i * 7) % 50}"}
        for i in range(50)
    ]
    lines = jsonl(*payloads)

    ordered = push_order(lines)

    assert sorted(line.number for line in ordered) == list(range(1, 51))
    position = {
        line.payload["external_id"]: n for n, line in enumerate(ordered) if line.payload
    }
    for line in ordered:
        assert line.payload is not None
        parent = line.payload["parent_external_id"]
        # Parents first, except where following parents leads round a cycle.
        if position[parent] > position[line.payload["external_id"]]:
            assert _in_cycle(payloads, parent)


def _in_cycle(payloads: list[dict[str, str]], start: str) -> bool:
    parent_of = {p["external_id"]: p["parent_external_id"] for p in payloads}
    seen, current = set(), start
    while current not in seen:
        seen.add(current)
        current = parent_of[current]
    return start in _cycle_from(parent_of, current)


def _cycle_from(parent_of: dict[str, str], member: str) -> set[str]:
    cycle, current = {member}, parent_of[member]
    while current != member:
        cycle.add(current)
        current = parent_of[current]
    return cycle

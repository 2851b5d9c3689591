"""Hard inputs through every runtime of a mapping: the JavaScript and Python relays and the
jq step must forward exactly what the Python mapping (the importer's) makes of them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from relays.mappings import MappingOptions, translate
from tests.relays.conftest import JIRA_ENV, LINEAR_ENV, TOKEN, Relays, read_json
from tests.relays.expected import FIXTURES
from tests.relays.runners import run_github_step
from tests.relays.signing import jira_headers, linear_headers, now_ms
from tests.relays.stub import CaptureStub

ROCKET = "🚀"  # outside the BMP: two UTF-16 units in JavaScript, one code point in Python
LONG_NAME = "a" * 511 + ROCKET + "tail"
LONG_TEXT = "é" * 99_999 + ROCKET + ROCKET
ADF = {
    "type": "doc",
    "version": 1,
    "content": [
        {
            "type": "heading",
            "attrs": {"level": 2},
            "content": [{"type": "text", "text": "Goal"}],
        },
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "Ask "},
                {"type": "mention", "attrs": {"id": "abc", "text": "@Priya"}},
                {"type": "text", "text": " now "},
                {"type": "emoji", "attrs": {"shortName": ":rocket:", "text": ROCKET}},
                {"type": "hardBreak"},
                {"type": "text", "text": "second line", "marks": [{"type": "strong"}]},
            ],
        },
        {
            "type": "bulletList",
            "content": [
                {
                    "type": "listItem",
                    "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": "one"}]}
                    ],
                },
                {
                    "type": "listItem",
                    "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": "two"}]}
                    ],
                },
            ],
        },
        {
            "type": "orderedList",
            "attrs": {"order": 3},
            "content": [
                {
                    "type": "listItem",
                    "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": "third"}]}
                    ],
                },
            ],
        },
        {
            "type": "codeBlock",
            "attrs": {"language": "sh"},
            "content": [{"type": "text", "text": "echo $HOME"}],
        },
        {"type": "rule"},
        {
            "type": "paragraph",
            "content": [{"type": "inlineCard", "attrs": {"url": "https://example.com/x"}}],
        },
    ],
}
ADF_TEXT = (
    "Goal\n\nAsk @Priya now " + ROCKET + "\nsecond line\n\n- one\n- two\n\n3. third\n\n"
    "echo $HOME\n\nhttps://example.com/x"
)


def jira_event(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(
        read_json(FIXTURES / "jira" / "cloud-issue-created.json")
    )
    event["issue"]["fields"].update(fields)
    return event


def linear_event(**data: Any) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(read_json(FIXTURES / "linear" / "issue-create.json"))
    event["data"].update(data)
    return event


def github_event(**issue: Any) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(read_json(FIXTURES / "github" / "issues-opened.json"))
    event["issue"].update(issue)
    return event


def forwarded(stub: CaptureStub) -> dict[str, Any] | None:
    pushes = stub.pushes()
    assert len(pushes) <= 1
    return pushes[0].json() if pushes else None


JIRA_CASES = [
    pytest.param(jira_event(description=ADF), {}, id="adf-description"),
    pytest.param(
        jira_event(summary=LONG_NAME, description=LONG_TEXT), {}, id="cut-at-code-points"
    ),
    pytest.param(jira_event(summary=" \t ", description=""), {}, id="blank-strings-omitted"),
    pytest.param(jira_event(customfield_10016=2.5), {}, id="points-half-up"),
    pytest.param(jira_event(customfield_10016=1500), {}, id="points-clamped-high"),
    pytest.param(jira_event(customfield_10016=-2), {}, id="points-clamped-low"),
    pytest.param(jira_event(customfield_10016="3"), {}, id="points-string-ignored"),
    pytest.param(
        jira_event(customfield_10028=5, customfield_10016=1),
        {"JIRA_STORY_POINTS_FIELD": "customfield_10028"},
        id="points-field-configured",
    ),
    pytest.param(
        jira_event(assignee={"accountId": "5b912e21fa38ae2c896099ae", "displayName": "Ivan"}),
        {"JIRA_ACCOUNT_EMAILS": json.dumps({"5b912e21fa38ae2c896099ae": "ivan@example.com"})},
        id="hidden-email-mapped",
    ),
    pytest.param(jira_event(updated="2019-06-13T12:51:58Z"), {}, id="updated-utc"),
    pytest.param(jira_event(updated="13/06/2019"), {}, id="updated-unparseable-omitted"),
]


def jira_options(env: dict[str, str]) -> MappingOptions:
    return MappingOptions(
        story_points_field=env.get("JIRA_STORY_POINTS_FIELD", "customfield_10016"),
        account_emails=json.loads(env.get("JIRA_ACCOUNT_EMAILS", "{}")),
    )


@pytest.mark.parametrize("kind", ["jira-relay", "jira-worker"])
@pytest.mark.parametrize(("event", "env"), JIRA_CASES)
def test_jira_relays_forward_what_the_python_mapping_makes(
    kind: str, event: dict[str, Any], env: dict[str, str], relays: Relays, stub: CaptureStub
) -> None:
    body = json.dumps(event, ensure_ascii=False).encode()

    answer = relays.deliver(kind, body, jira_headers(body), {**JIRA_ENV, **env})

    assert answer.status == 200, answer.body
    assert forwarded(stub) == translate("jira", event, jira_options(env))


def test_python_mapping_flattens_adf_and_cuts_without_splitting() -> None:
    adf = translate("jira", jira_event(description=ADF))
    long = translate("jira", jira_event(summary=LONG_NAME, description=LONG_TEXT))
    assert adf is not None and long is not None

    assert adf["description"] == ADF_TEXT
    assert long["name"] == "a" * 511 + ROCKET
    assert long["description"] == "é" * 99_999 + ROCKET


LINEAR_CASES = [
    pytest.param(
        linear_event(
            identifier="ENG-7",
            url="https://linear.app/acme/issue/ENG-7",
            parent={"identifier": "ENG-1"},
            estimate=2.5,
            assignee={"id": "u1", "name": "Priya", "email": "priya@example.com"},
            title=LONG_NAME,
        ),
        id="modern-shape",
    ),
    pytest.param(linear_event(title="  ", description=None, estimate=None), id="blank-title"),
    pytest.param({**linear_event(), "type": "Comment"}, id="other-object-ignored"),
]


@pytest.mark.parametrize("kind", ["linear-worker", "linear-vercel"])
@pytest.mark.parametrize("event", LINEAR_CASES)
def test_linear_relays_forward_what_the_python_mapping_makes(
    kind: str, event: dict[str, Any], relays: Relays, stub: CaptureStub
) -> None:
    event = {**event, "webhookTimestamp": now_ms()}  # signed when sent, not when collected
    body = json.dumps(event, ensure_ascii=False).encode()

    answer = relays.deliver(kind, body, linear_headers(body), LINEAR_ENV)

    assert answer.status == 200, answer.body
    assert forwarded(stub) == translate("linear", event)


@pytest.mark.parametrize("kind", ["linear-worker", "linear-vercel"])
def test_linear_parent_uuid_is_looked_up_when_an_api_key_is_set(
    kind: str, relays: Relays, stub: CaptureStub
) -> None:
    raw = read_json(FIXTURES / "linear" / "issue-create-sub-issue-parentid.json")
    event = {**raw, "webhookTimestamp": now_ms()}
    stub.linear_parents["3443a709-f2b5-46f2-a136-a0445fd432be"] = "WEB-44"
    env = {
        **LINEAR_ENV,
        "LINEAR_API_KEY": "lin_api_test",
        "LINEAR_API_URL": stub.url + "/graphql",
    }
    body = json.dumps(event).encode()

    answer = relays.deliver(kind, body, linear_headers(body), env)

    assert answer.status == 200
    (lookup,) = stub.graphql_calls()
    assert lookup.headers["authorization"] == "lin_api_test"
    parents = {"3443a709-f2b5-46f2-a136-a0445fd432be": "WEB-44"}
    assert forwarded(stub) == translate(
        "linear", event, MappingOptions(linear_parent_ids=parents)
    )


@pytest.mark.parametrize("kind", ["linear-worker", "linear-vercel"])
def test_linear_parent_uuid_without_api_key_sends_no_parent_and_logs_why(
    kind: str, relays: Relays, stub: CaptureStub
) -> None:
    event = {**read_json(FIXTURES / "linear" / "issue-create-sub-issue-parentid.json")}
    event["webhookTimestamp"] = now_ms()
    body = json.dumps(event).encode()
    logged = len(relays.log_records(kind))

    relays.deliver(kind, body, linear_headers(body), LINEAR_ENV)

    payload = forwarded(stub)
    assert payload is not None and "parent_external_id" not in payload
    assert stub.graphql_calls() == []
    assert "LINEAR_API_KEY" in relays.wait_for_log(kind, "parent_skipped", logged)["reason"]


GITHUB_CASES = [
    pytest.param(github_event(title=LONG_NAME, body=LONG_TEXT), id="cut-at-code-points"),
    pytest.param(github_event(title="\n", body="   "), id="blank-strings-omitted"),
    pytest.param(
        github_event(body="line one\r\nline two\u2028", title="tab\there"), id="controls"
    ),
    pytest.param(github_event(html_url="javascript:alert(1)"), id="non-http-url-omitted"),
    pytest.param(github_event(state="closed", state_reason="not_planned"), id="not-planned"),
]


@pytest.mark.parametrize("event", GITHUB_CASES)
def test_github_step_forwards_what_the_python_mapping_makes(
    event: dict[str, Any], relay_files: dict[str, Path], stub: CaptureStub, tmp_path: Path
) -> None:
    workflow = relay_files["github-actions"].read_text(encoding="utf-8")
    body = json.dumps(event, ensure_ascii=False).encode()

    result = run_github_step(workflow, body, tmp_path, {"TPPM_TOKEN": TOKEN})

    assert result.returncode == 0, result.stderr
    assert forwarded(stub) == translate("github", event)

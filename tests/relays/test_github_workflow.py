"""The GitHub workflow: its one step reads the event file with jq, so titles are data."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from relays.mappings import MappingOptions, translate
from tests.relays.conftest import TOKEN, read_json
from tests.relays.expected import FIXTURES
from tests.relays.runners import run_github_step, workflow_step
from tests.relays.stub import CaptureStub

HOSTILE_TITLE = 'Fix "quoted" $(touch /tmp/pwned) `backtick` \\ path 🚀'


def issue_event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(read_json(FIXTURES / "github" / "issues-opened.json"))
    event["issue"].update(changes)
    return event


def run(workflow_path: Path, event: dict[str, Any], tmp: Path, **variables: str) -> Any:
    body = json.dumps(event, ensure_ascii=False).encode()
    workflow = workflow_path.read_text(encoding="utf-8")
    return run_github_step(workflow, body, tmp, {"TPPM_TOKEN": TOKEN}, variables)


def test_hostile_title_arrives_byte_for_byte_and_runs_nothing(
    relay_files: dict[str, Path], stub: CaptureStub, tmp_path: Path
) -> None:
    pwned = Path("/tmp/pwned")
    pwned.unlink(missing_ok=True)
    event = issue_event(title=HOSTILE_TITLE, body="$(touch /tmp/pwned)\n`id`")

    result = run(relay_files["github-actions"], event, tmp_path)

    assert result.returncode == 0, result.stderr
    (push,) = stub.pushes()
    assert push.json()["name"] == HOSTILE_TITLE
    # JSON-escaped only where JSON requires it; the emoji travels as raw UTF-8.
    assert json.dumps(HOSTILE_TITLE, ensure_ascii=False).encode() in push.body
    assert push.json()["description"] == "$(touch /tmp/pwned)\n`id`"
    assert not pwned.exists()


def test_workflow_is_valid_yaml_with_no_permissions_and_one_run_step(
    relay_files: dict[str, Path],
) -> None:
    workflow = yaml.safe_load(relay_files["github-actions"].read_text(encoding="utf-8"))

    assert workflow["permissions"] == {}
    # PyYAML reads the bare key `on` as the boolean True (YAML 1.1); Actions reads YAML 1.2.
    trigger = workflow.get("on", workflow.get(True))
    assert set(trigger) == {"issues"}
    assert "deleted" not in trigger["issues"]["types"]
    (job,) = workflow["jobs"].values()
    assert [set(step) for step in job["steps"]] == [{"name", "shell", "env", "run"}]


def test_workflow_script_has_no_expressions_and_env_only_secrets_and_vars(
    relay_files: dict[str, Path],
) -> None:
    env, script = workflow_step(relay_files["github-actions"].read_text(encoding="utf-8"))

    assert "${{" not in script
    expressions = [value for value in env.values() if "${{" in value]
    assert sorted(expressions) == [
        "${{ secrets.TPPM_TOKEN }}",
        "${{ vars.TPPM_ASSIGNEE_EMAILS }}",
        "${{ vars.TPPM_POINTS_LABEL_PREFIX }}",
    ]


def test_logins_map_to_emails_through_the_repository_variable(
    relay_files: dict[str, Path], stub: CaptureStub, tmp_path: Path
) -> None:
    event = issue_event(assignees=[{"login": "someone"}, {"login": "Codertocat"}])
    emails = json.dumps({"codertocat": "octo@example.com"})

    result = run(relay_files["github-actions"], event, tmp_path, TPPM_ASSIGNEE_EMAILS=emails)

    assert result.returncode == 0, result.stderr
    assert stub.pushes()[0].json()["assignee_email"] == "octo@example.com"


def test_unmapped_login_and_broken_email_map_send_no_email(
    relay_files: dict[str, Path], stub: CaptureStub, tmp_path: Path
) -> None:
    result = run(
        relay_files["github-actions"], issue_event(), tmp_path, TPPM_ASSIGNEE_EMAILS="{not json"
    )

    assert result.returncode == 0, result.stderr
    assert "::warning::TPPM_ASSIGNEE_EMAILS is not a JSON object" in result.stdout
    assert "assignee_email" not in stub.pushes()[0].json()


@pytest.mark.parametrize(
    ("labels", "prefix", "points"),
    [
        pytest.param(["bug", "points:3"], "", 3, id="default-prefix"),
        pytest.param(["sp/2.5"], "sp/", 3, id="custom-prefix-rounded-half-up"),
        pytest.param(["points: 5000"], "", 999, id="clamped"),
        pytest.param(["points:many", "points:1"], "", 1, id="first-numeric-label"),
        pytest.param(["Points:3"], "", None, id="prefix-is-case-sensitive"),
    ],
)
def test_story_points_come_from_the_first_points_label(
    labels: list[str],
    prefix: str,
    points: int | None,
    relay_files: dict[str, Path],
    stub: CaptureStub,
    tmp_path: Path,
) -> None:
    event = issue_event(labels=[{"name": name} for name in labels])

    result = run(
        relay_files["github-actions"], event, tmp_path, TPPM_POINTS_LABEL_PREFIX=prefix
    )

    assert result.returncode == 0, result.stderr
    payload = stub.pushes()[0].json()
    assert payload.get("story_points") == points
    options = MappingOptions(points_label_prefix=prefix or "points:")
    assert payload == translate("github", event, options)


@pytest.mark.parametrize(
    ("reason", "status"), [("not_planned", "not_planned"), (None, "closed")]
)
def test_closed_issue_status_follows_state_reason(
    reason: str | None,
    status: str,
    relay_files: dict[str, Path],
    stub: CaptureStub,
    tmp_path: Path,
) -> None:
    event = issue_event(state="closed", state_reason=reason)
    event["action"] = "closed"

    result = run(relay_files["github-actions"], event, tmp_path)

    assert result.returncode == 0, result.stderr
    assert stub.pushes()[0].json()["status"] == status


def test_missing_token_secret_fails_the_run_without_calling_tasksync(
    relay_files: dict[str, Path], stub: CaptureStub, tmp_path: Path
) -> None:
    workflow = relay_files["github-actions"].read_text(encoding="utf-8")
    body = (FIXTURES / "github" / "issues-opened.json").read_bytes()

    result = run_github_step(workflow, body, tmp_path, {})

    assert result.returncode == 1
    assert "TPPM_TOKEN secret is not set" in result.stdout
    assert stub.requests == []

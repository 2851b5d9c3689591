"""The workflow's jq program under a second jq: the `jq` Python binding bundles jq ≥ 1.7, as on
GitHub's ubuntu-latest runners, while the step's own tests use the system jq (1.6 here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jq
import pytest

from relays.generator import render
from relays.mappings import MappingOptions, translate
from tests.relays.expected import fixture_paths
from tests.relays.runners import workflow_step
from tests.relays.test_equivalence import GITHUB_CASES

PROGRAM_START = "<<'JQ' || true\n"


def jq_program() -> str:
    workflow = render("github-actions", url="https://tasks.example.com", project_id="0" * 32)
    _, script = workflow_step(workflow.text)
    return script.split(PROGRAM_START, 1)[1].split("\nJQ\n", 1)[0]


def run_program(event: Any, emails: dict[str, str], prefix: str) -> Any:
    compiled = jq.compile(jq_program(), args={"emails": emails, "prefix": prefix})
    return compiled.input_text(json.dumps(event, ensure_ascii=False)).first()


def test_bundled_jq_is_1_7_or_later() -> None:
    assert jq.compile("have_literal_numbers").input_value(None).first() is True


@pytest.mark.parametrize("path", fixture_paths("github"), ids=lambda p: p.name)
def test_jq_1_7_maps_every_fixture_like_python(path: Path) -> None:
    event = json.loads(path.read_bytes())

    assert run_program(event, {}, "points:") == translate("github", event)


@pytest.mark.parametrize("event", GITHUB_CASES)
def test_jq_1_7_maps_hard_inputs_like_python(event: dict[str, Any]) -> None:
    emails = {"codertocat": "octo@example.com"}
    options = MappingOptions(assignee_emails=emails, points_label_prefix="sp/")
    event = {**event, "issue": {**event["issue"], "labels": [{"name": "sp/2.5"}]}}

    assert run_program(event, emails, "sp/") == translate("github", event, options)

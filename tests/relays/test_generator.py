"""relays.generator and `tasksync relay`: what is accepted, and what the errors say."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from relays.cli import relay
from relays.generator import KINDS, InvalidRelayRequest, render, task_sync_url

PROJECT = "0b6f3a4e-5c1d-4e2f-9a8b-7c6d5e4f3a2b"


def test_task_sync_url_joins_base_and_canonical_project_id() -> None:
    url = task_sync_url("https://tasks.example.com:8443/sync/", PROJECT.upper())

    assert url == f"https://tasks.example.com:8443/sync/api/v1/projects/{PROJECT}/task-sync/"


@pytest.mark.parametrize(
    ("url", "project", "message"),
    [
        pytest.param("ftp://tasks.example.com", PROJECT, "http(s) URL", id="scheme"),
        pytest.param("tasks.example.com", PROJECT, "http(s) URL", id="no-scheme"),
        pytest.param("https://tasks.example.com/?a=1", PROJECT, "without query", id="query"),
        pytest.param("https://x.example.com/'$(id)", PROJECT, "quotes", id="shell-chars"),
        pytest.param("https://x.example.com/api/v1", PROJECT, "leave out /api/v1", id="api"),
        pytest.param("https://tasks.example.com", "42", "a UUID", id="project"),
    ],
)
def test_bad_url_or_project_is_refused_with_a_clear_reason(
    url: str, project: str, message: str
) -> None:
    with pytest.raises(
        InvalidRelayRequest, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        render("jira-relay", url=url, project_id=project)


def test_unknown_kind_lists_the_kinds() -> None:
    with pytest.raises(InvalidRelayRequest, match="github-actions, jira-relay, jira-worker"):
        render("jira-lambda", url="https://tasks.example.com", project_id=PROJECT)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_a_filename_and_content_type(kind: str) -> None:
    rendered = render(kind, url="https://tasks.example.com", project_id=PROJECT)

    assert rendered.kind == kind
    assert rendered.filename == KINDS[kind].filename
    assert rendered.content_type in {"application/yaml", "text/x-python", "text/javascript"}


def test_cli_writes_the_relay_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "jira_relay.py"

    result = CliRunner().invoke(
        relay,
        [
            "jira-relay",
            "--url",
            "https://tasks.example.com",
            "--project",
            PROJECT,
            "-o",
            str(target),
        ],
    )

    assert result.exit_code == 0, result.output
    assert (
        target.read_text(encoding="utf-8")
        == render("jira-relay", url="https://tasks.example.com", project_id=PROJECT).text
    )


def test_cli_prints_to_stdout_and_reports_bad_input_as_usage_error() -> None:
    runner = CliRunner()

    printed = runner.invoke(
        relay, ["linear-worker", "--url", "http://127.0.0.1:8000", "--project", PROJECT]
    )
    refused = runner.invoke(
        relay, ["linear-worker", "--url", "http://127.0.0.1:8000", "--project", "x"]
    )

    assert printed.exit_code == 0 and printed.output.startswith("// tasksync relay: Linear")
    assert refused.exit_code == 2 and "must be a project id (a UUID)" in refused.output

"""How each relay answers its source when tasksync says no (SPEC 7): 429/5xx → a status the
source retries (503 with Retry-After passed on); any other 4xx → logged and acknowledged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.relays.conftest import JIRA_ENV, LINEAR_ENV, TOKEN, Relays
from tests.relays.expected import FIXTURES
from tests.relays.runners import run_github_step
from tests.relays.signing import jira_headers, linear_headers, now_ms, with_timestamp
from tests.relays.stub import Answer, CaptureStub

KINDS = ["jira-relay", "jira-worker", "linear-worker", "linear-vercel"]
PROBLEM = b'{"type":"about:blank","title":"Invalid request","status":400,"detail":"bad"}'


def deliver(kind: str, relays: Relays) -> tuple[int, dict[str, str], str]:
    if kind.startswith("jira"):
        raw = (FIXTURES / "jira" / "cloud-issue-created.json").read_bytes()
        answer = relays.deliver(kind, raw, jira_headers(raw), JIRA_ENV)
    else:
        raw = with_timestamp((FIXTURES / "linear" / "issue-create.json").read_bytes(), now_ms())
        answer = relays.deliver(kind, raw, linear_headers(raw), LINEAR_ENV)
    return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.body


@pytest.mark.parametrize("kind", KINDS)
def test_tasksync_429_makes_the_source_retry_after_the_same_delay(
    kind: str, relays: Relays, stub: CaptureStub
) -> None:
    stub.answer_next(Answer(429, {"Retry-After": "37"}))

    status, headers, _ = deliver(kind, relays)

    assert status == 503
    assert headers["retry-after"] == "37"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("upstream", [500, 502, 503])
def test_tasksync_5xx_makes_the_source_retry(
    kind: str, upstream: int, relays: Relays, stub: CaptureStub
) -> None:
    stub.answer_next(Answer(upstream))

    status, headers, _ = deliver(kind, relays)

    assert status == 503
    assert headers["retry-after"] == "60"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("upstream", [400, 401, 413, 422])
def test_tasksync_4xx_is_logged_and_acknowledged(
    kind: str, upstream: int, relays: Relays, stub: CaptureStub
) -> None:
    stub.answer_next(Answer(upstream, body=PROBLEM))
    logged = len(relays.log_records(kind))

    status, _, body = deliver(kind, relays)

    assert status == 200
    assert json.loads(body) == {"forwarded": False, "tasksync_status": upstream}
    assert relays.wait_for_log(kind, "rejected", logged)["tasksync_status"] == upstream


def test_github_step_retries_429_then_fails_the_run_so_it_can_be_rerun(
    relay_files: dict[str, Path], stub: CaptureStub, tmp_path: Path
) -> None:
    workflow = relay_files["github-actions"].read_text(encoding="utf-8")
    stub.answer_next(*[Answer(429, {"Retry-After": "1"})] * 3)
    event = (FIXTURES / "github" / "issues-opened.json").read_bytes()

    result = run_github_step(workflow, event, tmp_path, {"TPPM_TOKEN": TOKEN})

    assert result.returncode == 1
    assert len(stub.pushes()) == 3  # the first try and curl's two retries
    assert "::error::tasksync answered HTTP 429" in result.stdout


def test_github_step_succeeds_when_a_retry_gets_through(
    relay_files: dict[str, Path], stub: CaptureStub, tmp_path: Path
) -> None:
    workflow = relay_files["github-actions"].read_text(encoding="utf-8")
    stub.answer_next(Answer(503, {"Retry-After": "1"}))
    event = (FIXTURES / "github" / "issues-opened.json").read_bytes()

    result = run_github_step(workflow, event, tmp_path, {"TPPM_TOKEN": TOKEN})

    assert result.returncode == 0, result.stdout + result.stderr
    assert len(stub.pushes()) == 2


def test_github_step_acknowledges_a_4xx_with_a_warning(
    relay_files: dict[str, Path], stub: CaptureStub, tmp_path: Path
) -> None:
    workflow = relay_files["github-actions"].read_text(encoding="utf-8")
    stub.answer_next(Answer(400, body=PROBLEM))
    event = (FIXTURES / "github" / "issues-opened.json").read_bytes()

    result = run_github_step(workflow, event, tmp_path, {"TPPM_TOKEN": TOKEN})

    assert result.returncode == 0
    assert "::warning::tasksync rejected the issue (HTTP 400)" in result.stdout
    assert len(stub.pushes()) == 1

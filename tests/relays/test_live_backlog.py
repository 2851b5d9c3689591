"""Every relay kind against a real tasksync: the shared fixtures, fed in the order their
source would send them, land in the backlog as EXPECTED.md says (SPEC 4, 7)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import stop_server
from tests.relays.conftest import Relays, render_all
from tests.relays.expected import UNDECIDED, in_source_order, load_expected
from tests.relays.live import LiveProject, new_project, start_live_server
from tests.relays.runners import NodeHarness, run_github_step
from tests.relays.signing import (
    JIRA_SECRET,
    LINEAR_SECRET,
    jira_headers,
    linear_headers,
    now_ms,
)
from tests.relays.stub import CaptureStub

SOURCES = {
    "github-actions": "github",
    "jira-relay": "jira",
    "jira-worker": "jira",
    "linear-worker": "linear",
    "linear-vercel": "linear",
}
# The default status map (SPEC 4.3) applied to the statuses the fixtures carry.
INTERNAL_STATUS = {
    "open": "NOT_STARTED",
    "closed": "COMPLETE",
    "To Do": "NOT_STARTED",
    "Todo": "NOT_STARTED",
    "In Progress": "IN_PROGRESS",
    "Done": "COMPLETE",
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    server = start_live_server(tmp_path_factory.mktemp("live") / "data")
    yield server
    stop_server(server)


def deliver(
    kind: str,
    path: Path,
    pool: Relays,
    project: LiveProject,
    workdir: Path,
    env: dict[str, str],
) -> None:
    raw = path.read_bytes()
    if kind == "github-actions":
        workflow = pool.files[kind].read_text(encoding="utf-8")
        result = run_github_step(workflow, raw, workdir, {"TPPM_TOKEN": project.token})
        assert result.returncode == 0, result.stdout + result.stderr
        return
    if kind.startswith("jira"):
        answer = pool.deliver(kind, raw, jira_headers(raw), env)
    else:
        event = {**json.loads(raw), "webhookTimestamp": now_ms()}
        body = json.dumps(event).encode()
        answer = pool.deliver(kind, body, linear_headers(body), env)
    assert answer.status == 200, answer.body


def check_task(
    name: str, task: dict[str, Any] | None, tasks: dict[str, dict[str, Any]]
) -> None:
    want = load_expected()[name]
    assert want is not None and task is not None, name
    assert task["name"] == want["name"]
    assert task["status"] == INTERNAL_STATUS[want["status"]]
    assert task["sprint_id"] is None
    assert task["link"]["external_url"] == want["external_url"]
    if want["assignee_email"] is not None:
        assert task["assignee"] is None  # nobody with that email is a member here
        assert task["link"]["pending_assignee_email"] == want["assignee_email"].lower()
    parent = want["parent_external_id"]
    if parent is not None and parent is not UNDECIDED:
        assert task["link"]["parent_external_id"] == parent
        assert task["parent_id"] == (tasks[parent]["id"] if parent in tasks else None)


@pytest.mark.parametrize("kind", list(SOURCES))
def test_every_fixture_lands_in_the_real_backlog_as_expected(
    kind: str,
    live: Any,
    node: NodeHarness,
    stub_server: CaptureStub,
    tmp_path: Path,
) -> None:
    source = SOURCES[kind]
    project = new_project(live, f"{kind} backlog")
    pool = Relays(render_all(tmp_path / "relays", live.url, project.id), node)
    # Linear parents named only by UUID are resolved through (a stub of) Linear's API.
    stub_server.reset()
    stub_server.linear_parents["3443a709-f2b5-46f2-a136-a0445fd432be"] = "WEB-44"
    env = {
        "TPPM_TOKEN": project.token,
        "JIRA_WEBHOOK_SECRET": JIRA_SECRET,
        "LINEAR_WEBHOOK_SECRET": LINEAR_SECRET,
        "LINEAR_API_KEY": "lin_api_test",
        "LINEAR_API_URL": stub_server.url + "/graphql",
    }
    try:
        for path in in_source_order(source):
            name = f"{source}/{path.name}"
            before = project.tasks()
            deliver(kind, path, pool, project, tmp_path, env)
            after = project.tasks()
            if load_expected()[name] is None:
                assert after == before, f"{name} must not change the backlog"
                continue
            external_id = load_expected()[name]["external_id"]  # type: ignore[index]
            check_task(name, after.get(external_id), after)
    finally:
        pool.close()

    final = project.tasks()
    assert all(task["sprint_id"] is None for task in final.values())
    if source == "linear":
        assert final["WEB-46"]["parent_id"] == final["WEB-44"]["id"]  # attached once pushed

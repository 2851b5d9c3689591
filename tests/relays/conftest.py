"""Fixtures for relay tests: a capture stub, the rendered relays, and their runtimes.

Everything expensive is per session: one stub, one Node harness (Miniflare instances are
cached per relay file and bindings), one Python relay process per distinct environment.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from relays.generator import KINDS, render
from tests.relays.runners import REPO, NodeHarness, PythonRelay, RelayAnswer
from tests.relays.signing import JIRA_SECRET, LINEAR_SECRET
from tests.relays.stub import CaptureStub

PROJECT_ID = "3f1c9a52-8d3e-4b7a-9c1e-2a4b6d8e0f12"
TOKEN = "tppm_" + "ab" * 32
JS_MODES = {"jira-worker": "worker", "linear-worker": "worker", "linear-vercel": "vercel"}
JIRA_ENV = {"TPPM_TOKEN": TOKEN, "JIRA_WEBHOOK_SECRET": JIRA_SECRET}
LINEAR_ENV = {"TPPM_TOKEN": TOKEN, "LINEAR_WEBHOOK_SECRET": LINEAR_SECRET}


def render_all(directory: Path, url: str, project_id: str) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for kind in KINDS:
        rendered = render(kind, url=url, project_id=project_id)
        files[kind] = directory / rendered.filename
        files[kind].write_text(rendered.text, encoding="utf-8")
    return files


class Relays:
    """Deliver a webhook to any relay kind, started lazily and kept for reuse."""

    def __init__(self, files: dict[str, Path], node: NodeHarness) -> None:
        self.files, self.node = files, node
        self.python: dict[str, PythonRelay] = {}
        self.python_logs: list[str] = []  # every Python relay's lines, in arrival order

    def deliver(
        self, kind: str, body: bytes, headers: dict[str, str], env: dict[str, str]
    ) -> RelayAnswer:
        if kind == "jira-relay":
            key = json.dumps(env, sort_keys=True)
            if key not in self.python:
                self.python[key] = PythonRelay(self.files[kind], env, self.python_logs)
            return self.python[key].send(body, headers)
        return self.node.send(JS_MODES[kind], self.files[kind], env, body, headers=headers)

    def log_records(self, kind: str) -> list[dict[str, Any]]:
        """The relay's structured log lines (other output, e.g. Miniflare's, is skipped)."""
        lines = self.python_logs if kind == "jira-relay" else self.node.logs
        records = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("relay") == kind:
                records.append(record)
        return records

    def wait_for_log(
        self, kind: str, outcome: str, after: int, timeout: float = 5.0
    ) -> dict[str, Any]:
        """The first record with `outcome` logged after the first `after` records (a count
        taken before the delivery); the relays' output is read asynchronously."""
        deadline = time.monotonic() + timeout
        while True:
            new = self.log_records(kind)[after:]
            found = [record for record in new if record.get("outcome") == outcome]
            if found or time.monotonic() > deadline:
                assert found, f"{kind} logged no {outcome!r} line"
                return found[0]
            time.sleep(0.02)

    def close(self) -> None:
        for relay in self.python.values():
            relay.close()


@pytest.fixture(scope="session")
def stub_server() -> Iterator[CaptureStub]:
    server = CaptureStub()
    yield server
    server.close()


@pytest.fixture
def stub(stub_server: CaptureStub) -> CaptureStub:
    stub_server.reset()
    return stub_server


@pytest.fixture(scope="session")
def node() -> Iterator[NodeHarness]:
    if not (REPO / "node_modules" / "miniflare").is_dir():
        pytest.fail("Miniflare is not installed: run `just node-deps` (npm ci) first")
    harness = NodeHarness()
    yield harness
    harness.close()


@pytest.fixture(scope="session")
def relay_files(
    tmp_path_factory: pytest.TempPathFactory, stub_server: CaptureStub
) -> dict[str, Path]:
    return render_all(tmp_path_factory.mktemp("relays"), stub_server.url, PROJECT_ID)


@pytest.fixture(scope="session")
def relays(relay_files: dict[str, Path], node: NodeHarness) -> Iterator[Relays]:
    pool = Relays(relay_files, node)
    yield pool
    pool.close()


def read_json(path: Path) -> Any:
    return json.loads(path.read_bytes())

"""Run generated relays the way their platforms do, for the tests.

- the Python relay as `python3 -I -S jira_relay.py` (isolated, no site-packages: proof that
  it needs the standard library only), on a free port;
- the Workers under Miniflare 3 and the Vercel function under Node, through `harness.mjs`
  (one Node process per session; one Miniflare instance per relay file and bindings);
- the workflow's `run:` step under `bash --noprofile --norc -eo pipefail`, as the Actions
  runner runs `shell: bash`, with `GITHUB_EVENT_PATH` and the step's `env:` evaluated.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import queue
import re
import subprocess
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HARNESS = Path(__file__).resolve().parent / "harness.mjs"
REPO = Path(__file__).resolve().parents[2]
MARK = "@@relay-harness@@ "
BASE_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": os.environ.get("HOME", "/"),
}


@dataclass
class RelayAnswer:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


def _drain(stream: Any, sink: list[str], answers: queue.Queue[dict[str, Any]] | None) -> None:
    for line in stream:
        if answers is not None and line.startswith(MARK):
            answers.put(json.loads(line[len(MARK) :]))
        else:
            sink.append(line.rstrip("\n"))


class NodeHarness:
    """One `node harness.mjs` process answering relay requests over stdin/stdout."""

    def __init__(self) -> None:
        self.logs: list[str] = []
        self.answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self.ids = itertools.count()
        self.lock = threading.Lock()
        self.process = subprocess.Popen(
            ["node", str(HARNESS)],
            cwd=REPO,
            env=BASE_ENV,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for stream, answers in (
            (self.process.stdout, self.answers),
            (self.process.stderr, None),
        ):
            threading.Thread(
                target=_drain, args=(stream, self.logs, answers), daemon=True
            ).start()

    def send(
        self, mode: str, script: Path, env: dict[str, str], body: bytes, **kw: Any
    ) -> RelayAnswer:
        with self.lock:
            message = {
                "id": next(self.ids),
                "mode": mode,
                "script": str(script),
                "env": env,
                "url": "https://relay.example.com/",
                "method": kw.get("method", "POST"),
                "headers": kw.get("headers", {}),
                "body_b64": base64.b64encode(body).decode(),
                "stream": kw.get("stream", False),
            }
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
            answer = self.answers.get(timeout=60)
        assert "error" not in answer, answer["error"]
        return RelayAnswer(answer["status"], answer["headers"], answer["body"])

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class PythonRelay:
    """The generated `jira_relay.py`, running as its own process on a free port."""

    def __init__(
        self, script: Path, env: dict[str, str], logs: list[str] | None = None
    ) -> None:
        self.logs: list[str] = [] if logs is None else logs
        self.process = subprocess.Popen(
            ["python3", "-I", "-S", str(script)],
            env={**BASE_ENV, "PORT": "0", **env},
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        first = self.process.stderr.readline()
        started = json.loads(first)
        assert started["outcome"] == "listening", first
        self.host = started["host"]
        self.url = f"http://127.0.0.1:{started['port']}/"
        threading.Thread(
            target=_drain, args=(self.process.stderr, self.logs, None), daemon=True
        ).start()

    def send(self, body: bytes, headers: dict[str, str], method: str = "POST") -> RelayAnswer:
        data = body if method == "POST" else None
        request = urllib.request.Request(self.url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return RelayAnswer(
                    response.status, dict(response.headers), response.read().decode()
                )
        except urllib.error.HTTPError as error:
            return RelayAnswer(error.code, dict(error.headers), error.read().decode())

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


_EXPRESSION = re.compile(r"\$\{\{\s*(secrets|vars)\.([A-Z_][A-Z0-9_]*)\s*\}\}")


def workflow_step(workflow_text: str) -> tuple[dict[str, str], str]:
    """The single step's `env:` (expressions unevaluated) and its `run:` script."""
    workflow = yaml.safe_load(workflow_text)
    (job,) = workflow["jobs"].values()
    (step,) = job["steps"]
    return {str(k): str(v) for k, v in step["env"].items()}, step["run"]


def evaluate_env(
    env: dict[str, str], secrets: dict[str, str], variables: dict[str, str]
) -> dict[str, str]:
    """`${{ secrets.X }}` / `${{ vars.X }}` as Actions evaluates them (unset → empty);
    any other expression is refused, so event data can never reach the step."""
    evaluated = {}
    for name, value in env.items():
        match = _EXPRESSION.fullmatch(value)
        if match:
            source = secrets if match.group(1) == "secrets" else variables
            value = source.get(match.group(2), "")
        assert "${{" not in value, f"unexpected expression in env {name}: {value}"
        evaluated[name] = value
    return evaluated


def run_github_step(
    workflow_text: str,
    event: bytes,
    workdir: Path,
    secrets: dict[str, str],
    variables: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env_template, script = workflow_step(workflow_text)
    event_path, script_path = workdir / "event.json", workdir / "step.sh"
    event_path.write_bytes(event)
    script_path.write_text(script, encoding="utf-8")
    env = {
        **BASE_ENV,
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "issues",
        "GITHUB_EVENT_PATH": str(event_path),
        "RUNNER_TEMP": str(workdir),
        **evaluate_env(env_template, secrets, variables or {}),
    }
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_path)],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )

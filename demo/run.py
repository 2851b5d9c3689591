"""`just demo`: every shared webhook fixture through the real generated relays into a fresh
tasksync, then the backlog as a table.

The relays run where the tests run them (tests/relays/runners.py): the Python relay as its
own process, the Workers under Miniflare (workerd), the Vercel function under Node, and the
GitHub workflow's step under bash with GITHUB_EVENT_PATH. Linear's GraphQL API is not
reachable from here, so a stand-in on loopback answers the one parent look-up (WEB-46's
parent UUID → WEB-44); the output says so.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from demo.backlog import backlog_table, print_summary  # noqa: E402
from relays.generator import KINDS, render  # noqa: E402
from tests.conftest import start_server, stop_server  # noqa: E402
from tests.relays.expected import in_source_order  # noqa: E402
from tests.relays.runners import NodeHarness, PythonRelay, RelayAnswer, run_github_step  # noqa: E402
from tests.relays.signing import (  # noqa: E402
    JIRA_SECRET,
    LINEAR_SECRET,
    jira_headers,
    linear_headers,
    now_ms,
)
from tests.relays.stub import CaptureStub  # noqa: E402

ADMIN = ("admin@example.com", "demo password, not for production")
MEMBER = ("some-instance-test@example.com", "Test User")  # Jira's TES-41 assignee
RELAYS_BY_SOURCE = {
    "jira": ["jira-relay", "jira-worker"],
    "linear": ["linear-worker", "linear-vercel"],
    "github": ["github-actions"],
}
LINEAR_PARENT = ("3443a709-f2b5-46f2-a136-a0445fd432be", "WEB-44")


def add_user(data_dir: Path, email: str, name: str, password: str) -> None:
    subprocess.run(  # noqa: S603 - our own CLI with arguments from this file
        [
            sys.executable,
            "-m",
            "server",
            "user",
            "add",
            email,
            "--name",
            name,
            "--password-stdin",
        ],
        input=password,
        text=True,
        check=True,
        capture_output=True,
        env={"TASKSYNC_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
    )


def set_up_project(api: httpx.Client) -> tuple[str, str]:
    """Log in, create the project, add a member, mint a token: (project id, token)."""
    login = api.post("/api/v1/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
    api.headers["Authorization"] = f"Bearer {login.raise_for_status().json()['access_token']}"
    project = api.post("/api/v1/projects/", json={"name": "Demo backlog"}).raise_for_status()
    project_id = project.json()["id"]
    api.post(
        f"/api/v1/projects/{project_id}/members/", json={"email": MEMBER[0], "role": "member"}
    ).raise_for_status()
    minted = api.post(
        f"/api/v1/projects/{project_id}/api-tokens/", json={"name": "demo relays"}
    )
    return project_id, minted.raise_for_status().json()["token"]


def outcome(answer: RelayAnswer) -> str:
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if body.get("forwarded"):
        return f"forwarded → tasksync {body.get('tasksync_status')}"
    if "reason" in body:
        return f"acknowledged, not forwarded ({body['reason']})"
    return f"HTTP {answer.status} {answer.body[:80]}"


class Deliverer:
    """Hands one fixture to one relay kind, in that relay's own runtime."""

    def __init__(self, files: dict[str, Path], token: str, workdir: Path, linear_api: str):
        self.files, self.token, self.workdir = files, token, workdir
        self.node = NodeHarness()
        env = {"TPPM_TOKEN": token, "JIRA_WEBHOOK_SECRET": JIRA_SECRET}
        self.python = PythonRelay(files["jira-relay"], env)
        self.linear_env = {
            "TPPM_TOKEN": token,
            "LINEAR_WEBHOOK_SECRET": LINEAR_SECRET,
            "LINEAR_API_KEY": "demo-key",
            "LINEAR_API_URL": linear_api,
        }

    def deliver(self, kind: str, path: Path) -> str:
        raw = path.read_bytes()
        if kind == "github-actions":
            workflow = self.files[kind].read_text(encoding="utf-8")
            step = run_github_step(workflow, raw, self.workdir, {"TPPM_TOKEN": self.token})
            last = (step.stdout.strip().splitlines() or ["(no output)"])[-1]
            return f"step exit {step.returncode}: {last}"
        if kind == "jira-relay":
            return outcome(self.python.send(raw, jira_headers(raw)))
        if kind == "jira-worker":
            env = {"TPPM_TOKEN": self.token, "JIRA_WEBHOOK_SECRET": JIRA_SECRET}
            return outcome(
                self.node.send("worker", self.files[kind], env, raw, headers=jira_headers(raw))
            )
        # Linear signs a fresh webhookTimestamp; the captures are from 2023.
        body = json.dumps({**json.loads(raw), "webhookTimestamp": now_ms()}).encode()
        mode = "worker" if kind == "linear-worker" else "vercel"
        answer = self.node.send(
            mode, self.files[kind], self.linear_env, body, headers=linear_headers(body)
        )
        return outcome(answer)

    def close(self) -> None:
        self.python.close()
        self.node.close()


def feed_fixtures(console: Console, deliverer: Deliverer) -> None:
    table = Table(title="Webhook fixtures → generated relays → tasksync")
    for column in ("fixture", "relay", "outcome"):
        table.add_column(column, overflow="fold")
    for source, kinds in RELAYS_BY_SOURCE.items():
        for path in in_source_order(source):
            for kind in kinds:
                table.add_row(f"{source}/{path.name}", kind, deliverer.deliver(kind, path))
    console.print(table)


def show_backlog(console: Console, api: httpx.Client, project_id: str) -> None:
    tasks: list[dict[str, Any]] = []
    url: str | None = f"/api/v1/projects/{project_id}/tasks/?limit=500"
    while url:
        page = api.get(url).raise_for_status().json()
        tasks.extend(page["results"])
        url = page["next"]
    console.print(backlog_table(tasks, f"Backlog of project {project_id}"))
    detail = api.get(f"/api/v1/projects/{project_id}/").raise_for_status().json()
    pending = api.get(f"/api/v1/projects/{project_id}/pending-assignees/").raise_for_status()
    print_summary(console, detail, pending.json())


def main() -> None:
    # Wide enough for the tables when piped (rich assumes 80 columns without a terminal).
    console = Console(width=max(Console().width, 150))
    with tempfile.TemporaryDirectory(prefix="tasksync-demo-") as tmp:
        workdir = Path(tmp)
        data_dir = workdir / "data"
        add_user(data_dir, ADMIN[0], "Admin", ADMIN[1])
        add_user(data_dir, MEMBER[0], MEMBER[1], "another demo password")
        server = start_server(data_dir)
        linear_api = CaptureStub()
        linear_api.linear_parents[LINEAR_PARENT[0]] = LINEAR_PARENT[1]
        try:
            console.print(f"tasksync running at {server.url} on a fresh data dir {data_dir}")
            with httpx.Client(base_url=server.url, timeout=30) as api:
                project_id, token = set_up_project(api)
                files = {}
                for kind in KINDS:
                    rendered = render(kind, url=server.url, project_id=project_id)
                    files[kind] = workdir / rendered.filename
                    files[kind].write_text(rendered.text, encoding="utf-8")
                console.print(
                    f"project {project_id}; member {MEMBER[0]}; relays: {', '.join(KINDS)}\n"
                    f"a stand-in for Linear's GraphQL API answers parent look-ups at "
                    f"{linear_api.url}"
                )
                deliverer = Deliverer(files, token, workdir, linear_api.url + "/graphql")
                try:
                    feed_fixtures(console, deliverer)
                finally:
                    deliverer.close()
                show_backlog(console, api, project_id)
        finally:
            linear_api.close()
            stop_server(server)


if __name__ == "__main__":
    main()

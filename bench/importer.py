"""The importer scenario: `tasksync import` of a 2,000-ticket Jira export with a fresh token,
measured against the fastest the rate limit allows.

    python -m bench.importer                     # standalone, prints the figures as JSON
    python -m bench.run --scenarios importer     # as a section of `just bench`

The benchmark's own server runs with the limit lifted, so this scenario starts a second one
with the product's backfill limit (1,000 a window) and the window scaled down from 60 s to
`WINDOW` s (scale 3), so the run takes half a minute rather than a minute and a half. Every
figure is reported at that scale; multiply times by `scale` for the real window. The scale
stops at 20 s on purpose: the limit must stay below what one connection can push (about
80 a second on a 2-core box, at ~12 ms a push), or the scenario measures push latency instead
of pacing. At 6 s the scaled limit is 167 a second, and it would.

Two ideals are reported. The sliding window (SPEC 4.6) admits a burst of `limit` at once and
the next when the first leaves, so the fastest N pushes can go is `floor((N-1)/limit)`
windows (`ideal_seconds`: 1 window, 60 s at full scale, for 2,000). A client spreading the
limit evenly needs `N / limit` windows (`sustained_seconds`: 2 minutes at full scale).
At a scaled window the importer's own time to send a burst over one connection matters more
than it would at 60 s; `one_connection_seconds` adds it (the time the last burst's pushes
spent waiting for their answers) to show how much of the gap is the connection, not the
pacing.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import server as servers
from relays.generator import task_sync_url
from relays.mappings import MappingOptions
from server.importer import output, reader
from server.importer.pacing import fastest_seconds, sustained_seconds
from server.importer.runner import Runner
from server.importer.state import ImportState

ADMIN = ("admin@bench.example", "benchmark admin password")
TICKETS = 2000
LIMIT = 1000
WINDOW = 20
FULL_WINDOW = 60


def jira_export(path: Path, tickets: int) -> Path:
    """A Jira REST search result: epics every tenth ticket, the rest their stories, listed
    children first so the importer has to reorder them."""
    issues = []
    for number in reversed(range(tickets)):
        key = f"MIG-{number}"
        fields: dict[str, Any] = {
            "summary": f"Migrated ticket {number}",
            "description": f"Ticket {number}, moved over by the backfill importer.",
            "status": {"name": ["To Do", "In Progress", "Done"][number % 3]},
            "updated": "2026-01-15T10:00:00.000+0000",
            "customfield_10016": float(number % 8),
            "assignee": None,
        }
        if number % 10:
            fields["parent"] = {"key": f"MIG-{number - number % 10}"}
        issues.append(
            {
                "key": key,
                "self": f"https://example.atlassian.net/rest/api/3/issue/{number}",
                "fields": fields,
            }
        )
    path.write_text(json.dumps({"startAt": 0, "total": tickets, "issues": issues}))
    return path


def _fresh_project(url: str) -> tuple[str, str]:
    with httpx.Client(base_url=url, timeout=30) as client:
        login = client.post(
            "/api/v1/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]}
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        project = client.post("/api/v1/projects/", json={"name": "Import"}, headers=headers)
        project.raise_for_status()
        project_id = project.json()["id"]
        minted = client.post(
            f"/api/v1/projects/{project_id}/api-tokens/",
            json={"name": "backfill"},
            headers=headers,
        )
        minted.raise_for_status()
    return project_id, minted.json()["token"]


def _start(workdir: Path, limit: int, window: int) -> servers.Server:
    data_dir = workdir / "importer-data"
    env = {
        "TASKSYNC_BACKFILL_RATE_LIMIT": str(limit),
        "TASKSYNC_RATE_LIMIT": str(max(1, limit // 10)),
        "TASKSYNC_RATE_WINDOW_SECONDS": str(window),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [str(servers.TASKSYNC), "user", "add", ADMIN[0], "--password-stdin"],
        input=(ADMIN[1] + "\n").encode(),
        env={**os.environ, **servers.BENCH_ENV, **env, "TASKSYNC_DATA_DIR": str(data_dir)},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return servers.start(data_dir, launcher=None, **env)


class _TimedStop(threading.Event):
    """The runner's stop event, which is also how it sleeps: adds up the time paced."""

    def __init__(self) -> None:
        super().__init__()
        self.waited = 0.0

    def wait(self, timeout: float | None = None) -> bool:
        started = time.perf_counter()
        try:
            return super().wait(timeout)
        finally:
            self.waited += time.perf_counter() - started


@dataclass
class _Run:
    seconds: float = 0.0
    paced: float = 0.0
    refused: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)


def _timed_client(token: str, run: _Run) -> httpx.Client:
    def sent(request: httpx.Request) -> None:
        request.extensions["bench_started"] = time.perf_counter()

    def answered(response: httpx.Response) -> None:
        run.latencies.append(time.perf_counter() - response.request.extensions["bench_started"])
        run.statuses[str(response.status_code)] += 1

    return httpx.Client(
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        event_hooks={"request": [sent], "response": [answered]},
    )


def measure(workdir: Path, tickets: int = TICKETS, window: int = WINDOW) -> dict[str, Any]:
    """Import `tickets` into a fresh project of a server limited to LIMIT per `window` s."""
    server = _start(workdir, LIMIT, window)
    run = _Run()
    try:
        project_id, token = _fresh_project(server.url)
        data = jira_export(workdir / "jira-export.json", tickets).read_bytes()
        lines = reader.push_order(reader.read(data, reader.detect(data), MappingOptions()))
        endpoint = task_sync_url(server.url, project_id)
        stop = _TimedStop()
        runner = Runner(
            client=_timed_client(token, run),
            url=endpoint,
            target=endpoint,
            state=ImportState(workdir / "jira-export.json.tasksync-import.jsonl"),
            rejects=output.RejectsFile(workdir / "rejects.jsonl"),
            progress=output.PlainProgress(io.StringIO()),
            stop=stop,
        )
        started = time.monotonic()
        with runner.client:
            runner.run(lines)
        run.seconds, run.paced = time.monotonic() - started, stop.waited
        run.refused = _rate_limited(server.url)
    finally:
        server.stop()
    return _figures(tickets, window, run)


def _rate_limited(url: str) -> int:
    text = httpx.get(url + "/metrics", timeout=10).text
    for line in text.splitlines():
        if line.startswith("tasksync_rate_limited_total "):
            return int(float(line.split()[1]))
    return 0


def _figures(tickets: int, window: int, run: _Run) -> dict[str, Any]:
    ideal = fastest_seconds(tickets, LIMIT, window)
    sustained = sustained_seconds(tickets, LIMIT, window)
    ordered = sorted(run.latencies) or [0.0]
    last_burst = tickets - LIMIT * math.floor((tickets - 1) / LIMIT)
    one_connection = ideal + sum(run.latencies[-last_burst:])
    answering = sum(run.latencies)
    return {
        "tickets": tickets,
        "limit": LIMIT,
        "window_seconds": window,
        "scale": FULL_WINDOW / window,
        "seconds": round(run.seconds, 2),
        "answers": len(run.latencies),
        "statuses": dict(run.statuses),
        "requests_per_second": round(len(run.latencies) / run.seconds, 1),
        "limit_per_second": round(LIMIT / window, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[int((len(ordered) - 1) * 0.99)] * 1000, 2),
        "ideal_seconds": ideal,
        "sustained_seconds": sustained,
        "one_connection_seconds": round(one_connection, 2),
        "seconds_over_ideal": round(run.seconds / ideal, 3) if ideal else None,
        "seconds_over_sustained": round(run.seconds / sustained, 3),
        "seconds_over_one_connection": round(run.seconds / one_connection, 3),
        # Where the time went: waiting for the window, waiting for answers, the client itself.
        "paced_seconds": round(run.paced, 2),
        "answering_seconds": round(answering, 2),
        "client_seconds": round(run.seconds - run.paced - answering, 2),
        "rate_limited_429": run.refused,
        "full_scale_seconds_estimate": round(
            one_connection - ideal + ideal * FULL_WINDOW / window, 1
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=TICKETS)
    parser.add_argument("--window", type=int, default=WINDOW, help="seconds (real: 60)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tasksync-bench-importer-") as workdir:
        figures = measure(Path(workdir), args.tickets, args.window)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

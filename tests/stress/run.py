"""`just stress [DURATION]`: mixed traffic at a fixed rate against a real `tasksync serve`.

Default: 30 minutes at 200 pushes a second across 50 projects, plus the reads of the mix
(tests/stress/mix.py). The load is open-loop: request n is due at start + n / rate whatever
the server does, and its latency is counted from that moment, so a server that falls behind
shows it in the figures instead of slowing the load down.

Every minute it prints requests, statuses, p50/p99/max latency and the server's RSS, and at
the end writes them to a JSON file. The run fails (exit 1) on any 5xx or transport error, or
when a minute's p99 is more than three times the median minute's and over 250 ms
(p99 not stable).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from server.config import load_settings
from server.tools import add_user
from tests.conftest import (
    ADMIN_EMAIL,
    PASSWORD,
    LiveServer,
    create_user,
    login,
    start_server,
    stop_server,
)
from tests.stress.mix import READ_SHARE, Mix, Project, Request
from tests.stress.wire import Connection, WireError

UNLIMITED = {"TASKSYNC_RATE_LIMIT": "100000000", "TASKSYNC_BACKFILL_RATE_LIMIT": "100000000"}
# Bounds the requests in flight: past it, new ones queue in the client (and count as late).
CONNECTIONS = 32
MINTS_PER_USER = 10
# A minute's p99 under this is never called unstable: scheduler noise on a busy box.
STABLE_FLOOR_MS = 250.0


@dataclass
class Minute:
    minute: int
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    rss_mb: float = 0.0
    database_mb: float = 0.0  # the database file and its WAL
    wal_mb: float = 0.0  # a WAL that keeps growing means checkpoints cannot finish
    server_cpu_s: float = 0.0  # CPU the server used in the minute
    client_cpu_s: float = 0.0
    load_1m: float = 0.0  # the box's load average: p99 follows it on a shared box
    latencies: list[float] = field(default_factory=list, repr=False)

    def close(self, server: LiveServer, cpu_before: tuple[float, float]) -> None:
        ordered = sorted(self.latencies) or [0.0]
        self.requests = len(self.latencies)
        self.p50_ms = round(ordered[len(ordered) // 2] * 1000, 1)
        self.p99_ms = round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1)
        self.max_ms = round(ordered[-1] * 1000, 1)
        self.rss_mb = _rss_mb(server.process.pid)
        self.server_cpu_s = round(_cpu_s(server.process.pid) - cpu_before[0], 2)
        self.client_cpu_s = round(sum(os.times()[:2]) - cpu_before[1], 2)
        self.load_1m = os.getloadavg()[0]
        database = load_settings({}, data_dir=server.data_dir).database_path
        wal = database.with_name(database.name + "-wal")
        wal_size = wal.stat().st_size if wal.exists() else 0
        self.database_mb = round((database.stat().st_size + wal_size) / 2**20, 1)
        self.wal_mb = round(wal_size / 2**20, 1)


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return round(int(found.group(1)) / 1024, 1) if found else 0.0


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)


def parse_duration(text: str) -> float:
    found = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", text.strip())
    if not found:
        raise argparse.ArgumentTypeError(f"{text!r}: a duration such as 90s, 5m or 1h")
    return float(found.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[found.group(2)]


def prepare(data_dir: Path, projects: int) -> tuple[LiveServer, Mix]:
    add_user(load_settings({}, data_dir=data_dir), ADMIN_EMAIL, "Admin", PASSWORD)
    server = start_server(data_dir, **UNLIMITED)
    made = []
    with server.client() as client:
        admin = login(client, ADMIN_EMAIL)
        # A user may mint 10 tokens a minute (SPEC 2): one owner per ten projects.
        for first in range(0, projects, MINTS_PER_USER):
            email = f"owner{first}@example.com"
            create_user(client, admin, email)
            owner = login(client, email)
            for n in range(first, min(projects, first + MINTS_PER_USER)):
                made.append(_project(client, owner, n))
    return server, Mix(made)


def _project(client: httpx.Client, owner: dict[str, str], n: int) -> Project:
    project = client.post("/api/v1/projects/", json={"name": f"S{n}"}, headers=owner)
    project_id = project.json()["id"]
    minted = client.post(
        f"/api/v1/projects/{project_id}/api-tokens/", json={"name": "s"}, headers=owner
    )
    assert minted.status_code == 201, minted.text
    return Project(project_id, minted.json()["token"], owner)


class Run:
    def __init__(self, server: LiveServer, mix: Mix, rate: float, interval: float) -> None:
        self.server, self.mix, self.rate, self.interval = server, mix, rate, interval
        self.minutes: list[Minute] = [Minute(0)]
        self.errors: list[str] = []
        # Requests wait here for a free connection; a late one counts its wait as latency.
        self.queue: asyncio.Queue[tuple[float, Request] | None] = asyncio.Queue()
        self.cpu_totals = (_cpu_s(server.process.pid), sum(os.times()[:2]))

    async def go(self, duration: float) -> None:
        address = urlsplit(self.server.url)
        senders = [
            asyncio.create_task(
                self._sender(Connection(str(address.hostname), address.port or 80))
            )
            for _ in range(CONNECTIONS)
        ]
        reporter = asyncio.create_task(self._report())
        await self._schedule(duration)
        for _ in senders:
            self.queue.put_nowait(None)
        await asyncio.gather(*senders)
        reporter.cancel()
        self._close_minute()

    async def _schedule(self, duration: float) -> None:
        loop = asyncio.get_running_loop()
        # Reads come on top of the push rate: 200 pushes a second is 200 pushes a second.
        total_rate = self.rate / (1 - READ_SHARE)
        start = loop.time()
        n = 0
        while (due := start + n / total_rate) < start + duration:
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            request = self.mix.next(is_read=self.mix.rng.random() < READ_SHARE)
            self.queue.put_nowait((due, request))
            n += 1

    async def _sender(self, connection: Connection) -> None:
        loop = asyncio.get_running_loop()
        while (item := await self.queue.get()) is not None:
            due, request = item
            try:
                status = str(
                    await asyncio.wait_for(
                        connection.request(
                            request.method, request.path, request.headers, request.body
                        ),
                        timeout=60,
                    )
                )
            except (WireError, TimeoutError) as exc:
                connection.close()
                status = f"transport:{type(exc).__name__}:{exc}"
            self._record(request, status, loop.time() - due)
        connection.close()

    def _record(self, request: Request, status: str, latency: float) -> None:
        minute = self.minutes[-1]
        minute.latencies.append(latency)
        label = f"{request.kind}:{status}"
        minute.statuses[label] = minute.statuses.get(label, 0) + 1
        if status.startswith(("5", "transport")) and len(self.errors) < 20:
            self.errors.append(f"{request.method} {request.path} -> {status}")

    async def _report(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self._close_minute()
            self.minutes.append(Minute(len(self.minutes)))

    def _close_minute(self) -> None:
        minute = self.minutes[-1]
        minute.close(self.server, self.cpu_totals)
        self.cpu_totals = (
            self.cpu_totals[0] + minute.server_cpu_s,
            self.cpu_totals[1] + minute.client_cpu_s,
        )
        statuses = " ".join(f"{k}={v}" for k, v in sorted(minute.statuses.items()))
        print(
            f"[{minute.minute:>3}] {minute.requests:>6} req  p50 {minute.p50_ms:>7} ms"
            f"  p99 {minute.p99_ms:>7} ms  max {minute.max_ms:>7} ms"
            f"  rss {minute.rss_mb} MB  db {minute.database_mb} MB (wal {minute.wal_mb})"
            f"  cpu server {minute.server_cpu_s} s client {minute.client_cpu_s} s"
            f"  load {minute.load_1m:.1f}  {statuses}",
            flush=True,
        )


def verdict(run: Run, interval: float) -> list[str]:
    """What makes the run fail: any 5xx or lost request, or an unstable p99."""
    problems = list(run.errors)
    full = [m for m in run.minutes if m.requests >= run.rate * interval * 0.5]
    if full:
        median = statistics.median(m.p99_ms for m in full)
        for minute in full:
            if minute.p99_ms > max(3 * median, STABLE_FLOOR_MS):
                problems.append(
                    f"minute {minute.minute}: p99 {minute.p99_ms} ms, median {median}"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="just stress", description=__doc__.split("\n")[0])
    parser.add_argument("duration", nargs="?", default="30m", type=parse_duration)
    parser.add_argument("--rate", type=float, default=200.0, help="pushes a second")
    parser.add_argument("--projects", type=int, default=50)
    parser.add_argument("--interval", type=float, default=60.0, help="seconds per report line")
    parser.add_argument("--out", type=Path, default=Path("tests/stress/last-run.json"))
    args = parser.parse_args(argv)
    # Stopped from outside (timeout, CI): still stop the server below, never orphan it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with tempfile.TemporaryDirectory(prefix="tasksync-stress-") as tmp:
        server, mix = prepare(Path(tmp) / "data", args.projects)
        print(
            f"stress: {args.duration:.0f} s at {args.rate:.0f} pushes/s, {args.projects}"
            f" projects, server pid {server.process.pid}",
            flush=True,
        )
        run = Run(server, mix, args.rate, args.interval)
        began = time.monotonic()
        try:
            asyncio.run(run.go(args.duration))
        finally:
            stop_server(server)
        elapsed = time.monotonic() - began
    problems = verdict(run, args.interval)
    report = {
        "duration_s": round(elapsed, 1),
        "push_rate": args.rate,
        "projects": args.projects,
        "minutes": [
            {k: v for k, v in asdict(m).items() if k != "latencies"} for m in run.minutes
        ],
        "problems": problems,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"stress: {'FAILED' if problems else 'ok'} in {elapsed:.0f} s; figures in {args.out}")
    for problem in problems:
        print(f"  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

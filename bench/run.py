"""`just bench`: the real server, one process, driven over loopback by wrk.

    python -m bench.run                          # ceiling, naive, task-sync, importer
    python -m bench.run --scale                  # task-sync: empty database, then 1M tasks
    python -m bench.run --server granian         # the same run under another ASGI server
    python -m bench.run --scenarios ceiling,task-sync --output /tmp/x.json

Each scenario is a function registered with `@scenario("name")` that receives the `Bench`
(the running server, a project with members and a token, the body file, the wrk settings)
and returns its figures as a dict; `run()` adds the server's peak RSS during the scenario.
A new section is one more registered function, in this file or a module imported below.
Results go to `bench/results.json` (or `--output`) and are printed as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import server as servers
from bench import workload
from bench.profile import Recorder, summarise
from bench.wrk import Load, ensure_wrk, replay

HERE = Path(__file__).resolve().parent
ADMIN = ("admin@bench.example", "benchmark admin password")

Figures = dict[str, Any]
SCENARIOS: dict[str, Callable[[Bench], Figures]] = {}

TARGETS = {
    "task_sync_over_ceiling": 0.6,
    "task_sync_over_naive": 1.5,
    "p99_ms": 25.0,
    "peak_rss_mb": 200.0,
    "scale_slowdown": 0.15,
}


# Scenarios that load the benchmark's own server, whose CPU, commits and RSS `run()` adds.
ON_BENCH_SERVER: set[str] = set()


def scenario(
    name: str, *, on_bench_server: bool = False
) -> Callable[[Callable[[Bench], Figures]], Callable[[Bench], Figures]]:
    def register(fn: Callable[[Bench], Figures]) -> Callable[[Bench], Figures]:
        SCENARIOS[name] = fn
        if on_bench_server:
            ON_BENCH_SERVER.add(name)
        return fn

    return register


@dataclass
class Bench:
    server: servers.Server
    workdir: Path
    bodies: Path
    load: Load
    project_id: str = ""
    token: str = ""
    admin_headers: dict[str, str] = field(default_factory=dict)

    @property
    def task_sync_path(self) -> str:
        return f"/api/v1/projects/{self.project_id}/task-sync/"


@scenario("ceiling", on_bench_server=True)
def ceiling(bench: Bench) -> Figures:
    """Decode the body with the task-sync struct and answer: no auth, no storage."""
    return replay(bench.server.url, "/bench/ceiling", bench.bodies, bench.load)


@scenario("naive", on_bench_server=True)
def naive(bench: Bench) -> Figures:
    """The same decode, then one aiosqlite upsert and commit per request."""
    return replay(bench.server.url, "/bench/naive", bench.bodies, bench.load)


@scenario("task-sync", on_bench_server=True)
def task_sync(bench: Bench) -> Figures:
    """The real endpoint: auth, rate limit, upsert, history, audit, group commit."""
    header = ("Authorization", f"Bearer {bench.token}")
    return replay(bench.server.url, bench.task_sync_path, bench.bodies, bench.load, header)


@scenario("importer")
def importer(bench: Bench) -> Figures:
    """`tasksync import` of 2,000 tickets with a fresh token, on its own rate-limited server
    (the window scaled down; see bench/importer.py), against the limit-bound ideal."""
    from bench import importer as importer_bench

    return importer_bench.measure(bench.workdir)


def prepare(bench: Bench) -> None:
    """A project with five members (the workload's resolvable emails) and a fresh token."""
    with httpx.Client(base_url=bench.server.url, timeout=30) as client:
        login = client.post(
            "/api/v1/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]}
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        project = client.post("/api/v1/projects/", json={"name": "Benchmark"}, headers=headers)
        project.raise_for_status()
        project_id = project.json()["id"]
        for email in workload.MEMBERS:
            client.post(
                "/api/v1/users/",
                json={"email": email, "name": email.split("@")[0], "password": ADMIN[1]},
                headers=headers,
            ).raise_for_status()
            client.post(
                f"/api/v1/projects/{project_id}/members/",
                json={"email": email, "role": "member"},
                headers=headers,
            ).raise_for_status()
        tokens = f"/api/v1/projects/{project_id}/api-tokens/"
        token = client.post(tokens, json={"name": "bench"}, headers=headers)
        token.raise_for_status()
    bench.project_id = project_id
    bench.token = token.json()["token"]
    bench.admin_headers = headers


def warm_up(bench: Bench) -> None:
    """A few hundred ceiling requests, so no scenario pays for first-request set-up."""
    sample = bench.workdir / "warm-up.jsonl"
    lines = bench.bodies.read_text().splitlines()[:500]
    sample.write_text("\n".join(lines) + "\n")
    replay(bench.server.url, "/bench/ceiling", sample, bench.load)


def commit_counters(bench: Bench) -> tuple[float, float]:
    """(commits, writes) so far, from the server's group-commit histogram."""
    text = httpx.get(bench.server.url + "/metrics", timeout=10).text
    values = {"count": 0.0, "sum": 0.0}
    for line in text.splitlines():
        for key in values:
            if line.startswith(f"tasksync_commit_batch_size_{key} "):
                values[key] = float(line.split()[1])
    return values["count"], values["sum"]


def run(bench: Bench, names: list[str], profile: tuple[str, ...] = ()) -> dict[str, Figures]:
    results: dict[str, Figures] = {}
    for name in names:
        measured = bench.server.reset_peak_rss()
        print(f"-- {name} ...", flush=True)
        commits_before, writes_before = commit_counters(bench)
        cpu_before = bench.server.cpu_seconds()
        recorder = Recorder(bench.server.pid) if name in profile else None
        try:
            figures = SCENARIOS[name](bench)
        except Exception as exc:  # one broken section must not lose the others' figures
            figures = {"error": f"{type(exc).__name__}: {exc}"}
        if recorder is not None:
            summary = HERE / f"profile-{name}.txt"
            raw = recorder.stop()
            summary.write_text(summarise(raw))
            raw.unlink()
            figures["profile"] = str(summary.relative_to(HERE.parent))
        if name in ON_BENCH_SERVER and "error" not in figures:
            cpu = bench.server.cpu_seconds() - cpu_before
            commits_after, writes_after = commit_counters(bench)
            _server_figures(bench, figures, cpu, commits_after - commits_before, measured)
            figures["writes_per_commit"] = (
                round((writes_after - writes_before) / figures["commits"], 2)
                if figures["commits"]
                else 0
            )
        results[name] = figures
        print(_line(name, figures), flush=True)
    return results


def _server_figures(
    bench: Bench, figures: Figures, cpu: float, commits: float, rss_scoped: bool
) -> None:
    # CPU per request is steadier than req/s on a shared box; cores busy says whether the
    # server was saturated (2 would be both cores, fully).
    figures["server_cpu_ms_per_request"] = round(1000 * cpu / max(figures["answers"], 1), 3)
    figures["server_cores_busy"] = round(cpu / max(figures["seconds"], 1e-9), 2)
    figures["load_average_1m"] = round(os.getloadavg()[0], 2)
    figures["commits"] = int(commits)
    figures["peak_rss_mb"] = round(bench.server.peak_rss_mb(), 1)
    figures["peak_rss_scope"] = "scenario" if rss_scoped else "process lifetime"
    figures["server_threads"] = bench.server.threads()


def _line(name: str, f: Figures) -> str:
    if "server_cpu_ms_per_request" not in f:
        return f"{name:<16} {json.dumps(f)}"
    errors = {k: v for k, v in f.get("statuses", {}).items() if not k.startswith("2")}
    return (
        f"{name:<16} {f['requests_per_second']:>9.0f} req/s   p50 {f['p50_ms']:>6.2f} ms   "
        f"p99 {f['p99_ms']:>6.2f} ms   peak RSS {f['peak_rss_mb']:>6.1f} MB   "
        f"CPU {f['server_cpu_ms_per_request']:.2f} ms/req   "
        f"{f['writes_per_commit']} writes/commit   {f['answers']} answers {f.get('statuses')}"
        + (f"   ERRORS {errors}" if errors or f.get("socket_errors") else "")
    )


def launcher(kind: str) -> list[str] | None:
    if kind == "uvicorn":
        return None  # `tasksync serve` as shipped
    return [sys.executable, "-m", "bench.serve_granian"]


def start_bench(args: argparse.Namespace, workdir: Path, data_dir: Path) -> Bench:
    env = {**os.environ, **servers.BENCH_ENV, "TASKSYNC_DATA_DIR": str(data_dir)}
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [str(servers.TASKSYNC), "user", "add", ADMIN[0], "--password-stdin"],
        input=(ADMIN[1] + "\n").encode(),
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    server = servers.start(data_dir, launcher=launcher(args.server))
    bodies = workload.write_bodies(workdir / "pushes.jsonl", args.ids)
    load = Load(connections=args.connections, threads=args.threads)
    bench = Bench(server, workdir, bodies, load)
    prepare(bench)
    return bench


def machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": subprocess.run([ensure_wrk(), "-v"], capture_output=True, text=True)  # noqa: S603
        .stdout.splitlines()[0]
        .strip(),
    }


def ratios(results: dict[str, Figures]) -> dict[str, float]:
    sync = results.get("task-sync", {}).get("requests_per_second")
    out: dict[str, float] = {}
    for base, key in (("ceiling", "task_sync_over_ceiling"), ("naive", "task_sync_over_naive")):
        rate = results.get(base, {}).get("requests_per_second")
        if sync and rate:
            out[key] = round(sync / rate, 3)
    return out


def verdicts(results: dict[str, Figures], found: dict[str, float]) -> dict[str, bool]:
    sync = results.get("task-sync")
    out: dict[str, bool] = {}
    for key in ("task_sync_over_ceiling", "task_sync_over_naive"):
        if key in found:
            out[key] = found[key] >= TARGETS[key]
    if sync:
        out["p99_ms"] = sync["p99_ms"] <= TARGETS["p99_ms"]
        out["peak_rss_mb"] = sync["peak_rss_mb"] <= TARGETS["peak_rss_mb"]
        out["no_errors"] = _no_errors(sync)
    return out


def _no_errors(figures: Figures) -> bool:
    statuses = figures.get("statuses", {})
    bad = any(not code.startswith("2") for code in statuses)
    return not bad and not figures.get("socket_errors") and not figures.get("timeouts")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="tasksync-bench-", dir=args.tmp))
    started = time.monotonic()
    try:
        report = scale_run(args, workdir) if args.scale else plain_run(args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report["wall_seconds"] = round(time.monotonic() - started, 1)
    report["machine"] = machine()
    default = "results-scale.json" if args.scale else "results.json"
    output = Path(args.output or HERE / default)
    output.write_text(json.dumps(report, indent=2) + "\n")
    shown = ("ratios", "slowdown", "cpu_per_push_growth", "targets_met")
    summary = {k: report[k] for k in report if k in shown}
    print(json.dumps(summary, indent=2))
    print(f"wrote {output} in {report['wall_seconds']} s")
    return 0


def plain_run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Every round replays ceiling, naive and task-sync back to back (fresh ids each round),
    so a neighbour's load hits all three alike; other sections run once, after them."""
    names = args.scenarios.split(",")
    replayed = [name for name in names if name in ON_BENCH_SERVER]
    bench = start_bench(args, workdir, workdir / "data")
    rounds: list[dict[str, Figures]] = []
    try:
        warm_up(bench)
        for number in range(args.rounds):
            print(f"== round {number + 1} of {args.rounds}", flush=True)
            bench.bodies = workload.write_bodies(
                workdir / f"pushes-{number}.jsonl", args.ids, prefix=f"R{number}"
            )
            rounds.append(run(bench, replayed, tuple(args.profile.split(","))))
        others = run(bench, [name for name in names if name not in ON_BENCH_SERVER])
    finally:
        stop_seconds = bench.server.stop()
    results = {**_median_round(rounds, replayed), **others}
    found = _median_ratios(rounds)
    return {
        "server": args.server,
        "connections": args.connections,
        "wrk_threads": args.threads,
        "distinct_ids": args.ids,
        "requests_per_scenario": 2 * args.ids,
        "rounds": len(rounds),
        "scenarios": results,
        "ratios": found,
        "ratios_by_round": [ratios(one) for one in rounds],
        "targets": TARGETS,
        "targets_met": verdicts(results, found),
        "sigterm_exit_seconds": round(stop_seconds, 2),
        "all_rounds": rounds,
    }


def _median_round(rounds: list[dict[str, Figures]], names: list[str]) -> dict[str, Figures]:
    """Per scenario, the round with the median throughput (its figures kept together)."""
    chosen: dict[str, Figures] = {}
    for name in names:
        runs = sorted(
            (one[name] for one in rounds if "requests_per_second" in one.get(name, {})),
            key=lambda figures: float(figures["requests_per_second"]),
        )
        if runs:
            chosen[name] = runs[len(runs) // 2]
    return chosen


def _median_ratios(rounds: list[dict[str, Figures]]) -> dict[str, float]:
    per_round = [ratios(one) for one in rounds]
    keys = {key for one in per_round for key in one}
    return {
        key: round(statistics.median(one[key] for one in per_round if key in one), 3)
        for key in keys
    }


def scale_run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """task-sync on an empty database, then on one holding 1M tasks and 5M audit rows."""
    from bench import load_big

    once = {**vars(args), "scenarios": "task-sync", "rounds": 1}
    empty = plain_run(argparse.Namespace(**once), workdir)
    big_dir = workdir / "big"
    big_dir.mkdir()
    bench = start_bench(args, big_dir, big_dir / "data")
    bench.server.stop()  # the loader writes with the server stopped
    loaded = load_big.load(
        bench.server.data_dir / "tasksync.sqlite3", bench.project_id, args.tasks, args.audit
    )
    bench.server = servers.start(bench.server.data_dir, launcher=launcher(args.server))
    try:
        warm_up(bench)
        plans = load_big.explain_push_queries(bench.server.data_dir / "tasksync.sqlite3")
        big = run(bench, ["task-sync"])
    finally:
        bench.server.stop()
    rate_empty = empty["scenarios"]["task-sync"]["requests_per_second"]
    rate_big = big["task-sync"]["requests_per_second"]
    slowdown = round(1 - rate_big / rate_empty, 3)
    # On a shared box req/s moves with the neighbours' load; the server's own CPU per push
    # does not, so it is reported beside the throughput.
    cpu_empty = empty["scenarios"]["task-sync"]["server_cpu_ms_per_request"]
    cpu_growth = round(big["task-sync"]["server_cpu_ms_per_request"] / cpu_empty - 1, 3)
    return {
        "server": args.server,
        "connections": args.connections,
        "empty": empty["scenarios"]["task-sync"],
        "loaded": big["task-sync"],
        "load": loaded,
        "slowdown": slowdown,
        "cpu_per_push_growth": cpu_growth,
        "targets_met": {
            "scale_within_15_percent": slowdown <= TARGETS["scale_slowdown"],
            "cpu_per_push_within_15_percent": cpu_growth <= TARGETS["scale_slowdown"],
        },
        "query_plans": plans,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="ceiling,naive,task-sync,importer")
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn")
    parser.add_argument("--ids", type=int, default=10_000, help="distinct external ids")
    parser.add_argument("--rounds", type=int, default=3, help="replays of the three, medians")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--scale", action="store_true", help="the 1M-task run instead")
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--audit", type=int, default=5_000_000)
    parser.add_argument("--output", default="")
    parser.add_argument("--tmp", default=None, help="where the data directory goes")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument(
        "--profile", default="", help="scenarios to record with py-spy (comma-separated)"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())

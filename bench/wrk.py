"""Driving wrk with `replay.lua`: every request of a body file sent once, over N connections."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LUA = Path(__file__).with_name("replay.lua")
MARKER = "BENCH-RESULT "


@dataclass(frozen=True)
class Load:
    connections: int = 32
    threads: int = 2  # one per core: wrk shares the box with the server, as in the issue
    timeout_seconds: int = 10
    limit_seconds: int = 900  # a bound, not the run's length: the replay ends the run


def ensure_wrk() -> str:
    """The path of wrk, installed with apt-get when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing it with apt-get", flush=True)
    sudo = [] if _is_root() else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)  # noqa: S603
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True)  # noqa: S603
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is still missing after apt-get install wrk")
    return found


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


def replay(
    base_url: str, path: str, bodies: Path, load: Load, header: tuple[str, str] | None = None
) -> dict[str, Any]:
    """Send every line of `bodies` once as a POST to `path`; wrk's figures as a dict."""
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="bench-markers-") as markers:
        args = [str(bodies), path, str(load.threads), markers]
        if header is not None:
            args += list(header)
        command = [
            wrk,
            f"-t{load.threads}",
            f"-c{load.connections}",
            f"-d{load.limit_seconds}s",
            f"--timeout={load.timeout_seconds}s",
            "-s",
            str(LUA),
            base_url,
            "--",
            *args,
        ]
        process = subprocess.Popen(  # noqa: S603 - wrk with our own script
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        _wait_for_markers(process, Path(markers), load)
        # wrk sleeps for its whole -d; SIGINT wakes it to print and call done().
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    return _parse(out.decode(), err.decode())


def _wait_for_markers(process: subprocess.Popen[bytes], markers: Path, load: Load) -> None:
    deadline = time.monotonic() + load.limit_seconds
    while time.monotonic() < deadline and process.poll() is None:
        if len(list(markers.iterdir())) >= load.threads:
            return
        time.sleep(0.05)


def _parse(out: str, err: str) -> dict[str, Any]:
    for line in out.splitlines():
        if line.startswith(MARKER):
            raw: dict[str, Any] = json.loads(line[len(MARKER) :])
            break
    else:
        raise RuntimeError(f"wrk printed no result:\n{out}\n{err}")
    statuses: dict[str, int] = {}
    for part in filter(None, raw.pop("statuses").split(",")):
        code, count = part.split(":")
        statuses[code] = statuses.get(code, 0) + int(count)
    raw["statuses"] = dict(sorted(statuses.items()))
    raw["requests_per_second"] = raw["answers"] / raw["seconds"] if raw["seconds"] else 0.0
    return raw

"""The server under test: the real `tasksync serve`, one process, on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
TASKSYNC = Path(sys.executable).with_name("tasksync")

# Production settings, except what the benchmark must change: the rate limit (raised far
# above what one box can push, so it never refuses) and the baseline routes.
BENCH_ENV = {
    "TASKSYNC_RATE_LIMIT": "100000000",
    "TASKSYNC_BACKFILL_RATE_LIMIT": "100000000",
    "TASKSYNC_BENCH_ROUTES": "1",
    "TASKSYNC_LOG_FORMAT": "json",
    "TASKSYNC_SECRET_KEY": "benchmark-signing-key-of-at-least-32-bytes",
}


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def reset_peak_rss(self) -> bool:
        """Restart the kernel's high-water mark (clear_refs 5), so a peak is per scenario."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc status")

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server has used so far (all its threads)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/task"))

    def stop(self) -> float:
        """SIGTERM, and how long the process took to exit."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return time.monotonic() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(data_dir: Path, *, launcher: list[str] | None = None, **env: str) -> Server:
    """Start the server on `data_dir` and wait until /healthz answers."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"server-{port}.log"
    environment = {
        **os.environ,
        **BENCH_ENV,
        "TASKSYNC_DATA_DIR": str(data_dir),
        "TASKSYNC_PORT": str(port),
        **env,
    }
    command = launcher or [str(TASKSYNC), "serve"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own server
            command, env=environment, stdout=log, stderr=log, cwd=REPO
        )
    server = Server(f"http://127.0.0.1:{port}", data_dir, process, log_path)
    why = wait_until_healthy(server.url, process, 60)
    if why is None:
        return server
    if why == DID_NOT_START:
        server.stop()
    raise RuntimeError(f"the server {why}; see {log_path}")


EXITED_EARLY = "exited early"
DID_NOT_START = "did not start"


def wait_until_healthy(
    url: str, process: subprocess.Popen[bytes], seconds: float
) -> str | None:
    """None once `/healthz` answers 200; else why not (`EXITED_EARLY`, `DID_NOT_START`).

    Shared with the test suite's live-server fixture.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return EXITED_EARLY
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return None
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    return DID_NOT_START

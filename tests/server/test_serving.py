from __future__ import annotations

import signal
import time
from pathlib import Path

from tests.conftest import start_server


def test_sigterm_stops_the_server_well_within_ten_seconds(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    started = time.monotonic()

    server.process.send_signal(signal.SIGTERM)
    code = server.process.wait(timeout=10)

    # uvicorn re-raises the signal after its graceful shutdown, as a signalled exit.
    assert code in (0, -signal.SIGTERM)
    assert time.monotonic() - started < 10
    assert "Application shutdown complete" in server.log()


def test_request_lines_are_json_and_carry_no_query_string(tmp_path: Path) -> None:
    import httpx

    server = start_server(tmp_path / "data")
    try:
        httpx.get(server.url + "/healthz?token=tppm_" + "a" * 64)
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=10)

    lines = [line for line in server.log().splitlines() if '"request"' in line]
    assert lines, server.log()
    assert "tppm_" not in server.log()
    assert '"route": "/healthz"' in lines[-1]


def test_a_second_server_on_the_same_data_directory_is_refused(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    first = start_server(tmp_path / "data")
    try:
        second = subprocess.run(
            [sys.executable, "-m", "server", "serve", "--port", "0"],
            env={**os.environ, "TASKSYNC_DATA_DIR": str(tmp_path / "data")},
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        first.process.send_signal(signal.SIGTERM)
        first.process.wait(timeout=10)

    assert second.returncode == 1
    assert "another tasksync is already serving" in second.stderr


def test_a_request_for_no_route_gets_its_line_too(tmp_path: Path) -> None:
    import httpx

    server = start_server(tmp_path / "data")
    try:
        httpx.get(server.url + "/favicon.ico")
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=10)

    lines = [line for line in server.log().splitlines() if '"request"' in line]
    assert any('"status": 404' in line and '"route": "unmatched"' in line for line in lines)

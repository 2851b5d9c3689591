"""SIGTERM under load: requests in flight finish with their 2xx, new connections are refused,
the process is gone within 10 seconds, and everything acknowledged is there after a restart
(SPEC 9)."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import start_server, stop_server
from tests.reliability.integrity import (
    assert_chains_verify,
    assert_holds,
    assert_sound,
    open_file,
)
from tests.reliability.traffic import UNLIMITED, Ledger, launch, pushers, traffic


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return str(parts.hostname), int(parts.port or 80)


def _start_slow_push(url: str, project_id: str, token: str) -> tuple[socket.socket, bytes]:
    """A push whose headers and half its body are sent: in flight until the rest arrives."""
    body = json.dumps({"source": "jira", "external_id": "IN-FLIGHT", "name": "slow"}).encode()
    head = (
        f"POST /api/v1/projects/{project_id}/task-sync/ HTTP/1.1\r\n"
        f"Host: {urlsplit(url).netloc}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock = socket.create_connection(_address(url), timeout=15)
    half = len(body) // 2
    sock.sendall(head + body[:half])
    return sock, body[half:]


def _read_status(sock: socket.socket) -> int:
    received = b""
    while b"\r\n" not in received:
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
    return int(received.split(b" ", 2)[1])


def _refused(url: str) -> bool:
    try:
        socket.create_connection(_address(url), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def _refused_within(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _refused(url):
            return True
        time.sleep(0.02)
    return False


def test_sigterm_finishes_in_flight_pushes_refuses_new_ones_and_exits(tmp_path: Path) -> None:
    server, fleet = launch(tmp_path / "data", projects=2)
    ledger = Ledger()
    project_id, token = fleet.projects[0]
    try:
        with traffic(server, pushers(fleet, ledger, count=4, seed=3)):
            time.sleep(1.0)
            slow, rest = _start_slow_push(server.url, project_id, token)
            time.sleep(0.3)  # the server has read the headers: the request is in flight
            signalled = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            assert _refused_within(server.url, 2.0), "new connections still accepted"
            assert server.process.poll() is None, "exited with a request in flight"
            slow.sendall(rest)
            status = _read_status(slow)
            slow.close()
        server.process.wait(timeout=10)
        exited_after = time.monotonic() - signalled
    finally:
        stop_server(server)

    print(f"acks={ledger.acks} exited_after={exited_after:.2f}s")
    assert status == 201
    assert exited_after < 10
    assert ledger.failures == [], ledger.failures[:3]
    assert ledger.acks > 0
    restarted = start_server(fleet.data_dir, **UNLIMITED)
    try:
        with restarted.client() as client:
            assert_chains_verify(client, fleet)
    finally:
        stop_server(restarted)
    database = fleet.data_dir / "tasksync.sqlite3"
    assert_sound(database)
    assert_holds(database, ledger)
    with open_file(database) as conn:
        names = conn.execute(
            "SELECT t.name FROM task_links l JOIN tasks t ON t.id = l.task_id"
            " WHERE l.external_id = 'IN-FLIGHT'"
        ).fetchall()
    assert [tuple(row) for row in names] == [("slow",)]

"""A full disk and a file system that turns read-only under a running server: every refused
push is a 503 problem with `Retry-After` (never a 500), the log says so once, `/healthz` is
503 while writes fail, and a disk that gets room again is used again without a restart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import LiveServer, start_server, stop_server
from tests.reliability import disks
from tests.reliability.integrity import assert_chains_verify, assert_holds, assert_sound
from tests.reliability.traffic import UNLIMITED, Fleet, Ledger, Pusher, launch, pushers

FAILING = "writes failing: answering 503 until a commit succeeds"

PROBLEM = {
    "type": "https://tasksync.dev/problems/service-unavailable",
    "title": "Service unavailable",
    "status": 503,
    "detail": "The database cannot take writes right now; retry later.",
}


def _push(client: httpx.Client, pusher: Pusher, ledger: Ledger) -> httpx.Response:
    push = pusher.next_push()
    ledger.sent(push)
    response = client.post(
        f"/api/v1/projects/{pusher.project_id}/task-sync/",
        json=push.payload(),
        headers={"Authorization": f"Bearer {pusher.token}"},
    )
    if response.status_code in (200, 201):
        ledger.answered(push, response.json())
    else:
        ledger.lost(push)
    return response


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == PROBLEM


def _log_lines(server: LiveServer, event: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == event]


def _push_until_refused(client: httpx.Client, pusher: Pusher, ledger: Ledger) -> int:
    """Push until the disk refuses (the WAL may hold a few first); returns pushes tried."""
    for tried in range(1, 301):
        response = _push(client, pusher, ledger)
        if response.status_code == 503:
            _assert_refused(response)
            return tried
        assert response.status_code in (200, 201), response.text
    raise AssertionError("a full disk took 300 pushes")


def _assert_sound_and_complete(fleet: Fleet, ledger: Ledger) -> None:
    server = start_server(fleet.data_dir, **UNLIMITED)
    try:
        with server.client() as client:
            assert_chains_verify(client, fleet)
    finally:
        stop_server(server)
    database = fleet.data_dir / "tasksync.sqlite3"
    assert_sound(database)
    assert_holds(database, ledger)


def test_full_disk_answers_503_logs_once_and_recovers_without_restart(tmp_path: Path) -> None:
    data_dir = disks.tmpfs(tmp_path / "data", size="24m")
    with data_dir as mounted:
        server, fleet = launch(mounted, projects=2)
        ledger = Ledger()
        pusher = pushers(fleet, ledger, count=1, seed=5)[0]
        try:
            with server.client() as client:
                for _ in range(20):
                    assert _push(client, pusher, ledger).status_code in (200, 201)
                ballast = disks.fill(mounted)
                print(f"full: refused after {_push_until_refused(client, pusher, ledger)}")
                for _ in range(30):
                    _assert_refused(_push(client, pusher, ledger))
                health = client.get("/healthz")
                _assert_refused(health)

                ballast.unlink()
                assert client.get("/healthz").json() == {"status": "ok"}
                for _ in range(20):
                    assert _push(client, pusher, ledger).status_code in (200, 201)
        finally:
            stop_server(server)

        assert len(_log_lines(server, FAILING)) == 1
        assert len(_log_lines(server, "writes recovered")) == 1
        assert "Traceback" not in server.log()
        assert '"status":500' not in server.log().replace(" ", "")
        _assert_sound_and_complete(fleet, ledger)


def test_file_system_turning_read_only_answers_503_and_loses_nothing(tmp_path: Path) -> None:
    image = tmp_path / "disk.ext4"
    with disks.ext4(tmp_path / "data", image, size_mb=32) as mounted:
        server, fleet = launch(mounted, projects=2)
        ledger = Ledger()
        pusher = pushers(fleet, ledger, count=1, seed=9)[0]
        try:
            with server.client() as client:
                for _ in range(20):
                    assert _push(client, pusher, ledger).status_code in (200, 201)
                disks.abort(mounted)
                for _ in range(20):
                    _assert_refused(_push(client, pusher, ledger))
                _assert_refused(client.get("/healthz"))
            server.process.terminate()
            server.process.wait(timeout=10)
        finally:
            stop_server(server)

        assert len(_log_lines(server, FAILING)) == 1
        assert "Traceback" not in server.log()
        # An aborted ext4 stays read-only until it is mounted again: the operator's step.
        disks.remount(image, mounted)
        _assert_sound_and_complete(fleet, ledger)

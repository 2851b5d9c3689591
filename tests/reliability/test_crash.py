"""SIGKILL at a random moment under load, restart on the same data directory, several rounds:
nothing acknowledged is lost and nothing is half-written (SPEC 9)."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

from tests.conftest import start_server, stop_server
from tests.reliability.integrity import (
    assert_audit_counts,
    assert_chains_verify,
    assert_holds,
    assert_sound,
)
from tests.reliability.traffic import UNLIMITED, Ledger, launch, pushers, traffic

ROUNDS = int(os.environ.get("TASKSYNC_CRASH_ROUNDS", "5"))


def test_sigkill_under_load_loses_no_acknowledged_push(tmp_path: Path) -> None:
    rng = random.Random(os.environ.get("TASKSYNC_CRASH_SEED", "7"))
    server, fleet = launch(tmp_path / "data", projects=3)
    ledger = Ledger()
    clients = pushers(fleet, ledger, count=6, seed=rng.randrange(1 << 30))
    acks_before_kill = []
    try:
        for _ in range(ROUNDS):
            with traffic(server, clients):
                time.sleep(rng.uniform(0.4, 1.6))  # lets the pushes pile up: a random moment
                acks_before_kill.append(ledger.acks)
                os.kill(server.process.pid, signal.SIGKILL)
                server.process.wait()
            server = start_server(fleet.data_dir, **UNLIMITED)
        with server.client() as client:
            checked = assert_chains_verify(client, fleet)
    finally:
        stop_server(server)

    assert ledger.failures == []
    assert ledger.acks > ROUNDS * 5, "the load was too light to mean anything"
    database = fleet.data_dir / "tasksync.sqlite3"
    assert_sound(database)
    assert assert_holds(database, ledger) > 0
    assert_audit_counts(database, ledger)
    assert checked >= ledger.acks
    print(f"rounds={ROUNDS} acks={ledger.acks} keys={len(ledger.acked)} {acks_before_kill}")

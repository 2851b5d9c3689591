"""`tasksync backup PATH` while pushes keep coming: the copy opens, is sound, its audit chains
verify, and it holds every push acknowledged before the backup started (SPEC 9)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from server.config import load_settings
from tests.conftest import ADMIN_EMAIL, login, start_server, stop_server
from tests.reliability.integrity import (
    assert_chains_verify,
    assert_holds_as_of,
    assert_sound,
)
from tests.reliability.traffic import Fleet, Ledger, launch, pushers, traffic


def _backup(data_dir: Path, target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "backup", str(target)],
        env={**os.environ, "TASKSYNC_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _verify_chains_of(backup: Path, fleet: Fleet, where: Path) -> int:
    """Serve a copy of the backup and ask its own chain check (the same code as live)."""
    data_dir = where / "restored"
    data_dir.mkdir()
    shutil.copy(backup, load_settings({}, data_dir=data_dir).database_path)
    server = start_server(data_dir)
    try:
        with server.client() as client:
            restored = Fleet(data_dir, fleet.projects, login(client, ADMIN_EMAIL))
            return assert_chains_verify(client, restored)
    finally:
        stop_server(server)


def test_backup_during_pushes_is_sound_and_holds_every_earlier_push(tmp_path: Path) -> None:
    server, fleet = launch(tmp_path / "data", projects=3)
    ledger = Ledger()
    target = tmp_path / "backup.sqlite3"
    try:
        with traffic(server, pushers(fleet, ledger, count=6, seed=11)):
            time.sleep(1.5)
            before = ledger.snapshot()
            acks_before = ledger.acks
            done = _backup(fleet.data_dir, target)
            acks_during = ledger.acks - acks_before
            time.sleep(0.3)
    finally:
        stop_server(server)

    print(f"acks_before={acks_before} acks_during={acks_during} keys={len(before)}")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"backup written to {target}\n"
    assert ledger.failures == []
    assert len(before) > 20 and acks_during > 0, "the backup did not run under load"
    assert_sound(target)
    assert_holds_as_of(target, ledger, before)
    assert _verify_chains_of(target, fleet, tmp_path) >= acks_before

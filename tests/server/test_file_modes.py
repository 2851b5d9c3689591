"""The database, its -wal and -shm files and its backups are owner-only (mode 0600): they
hold password hashes and token digests (server/storage/dialect.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from server.cli import main
from server.config import Settings
from server.tools import add_user
from tests.server.sync_helpers import make_project


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Any:
    # The usual 022 would hide nothing here; 000 shows what the code asks for on its own.
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_the_live_database_and_its_wal_and_shm_are_0600(
    open_umask: None, client: TestClient[Any], admin: dict[str, str], settings: Settings
) -> None:
    make_project(client, admin)  # a write, so the -wal holds something
    database = settings.database_path

    modes = {
        name: mode(database.with_name(database.name + suffix))
        for name, suffix in [("db", ""), ("wal", "-wal"), ("shm", "-shm")]
    }

    assert modes == {"db": 0o600, "wal": 0o600, "shm": 0o600}


def test_a_backup_is_0600(
    open_umask: None,
    client: TestClient[Any],
    admin: dict[str, str],
    settings: Settings,
    tmp_path: Path,
) -> None:
    make_project(client, admin)
    target = tmp_path / "backup.sqlite3"

    result = CliRunner().invoke(
        main, ["backup", str(target)], env={"TASKSYNC_DATA_DIR": str(settings.data_dir)}
    )

    assert result.exit_code == 0, result.output
    assert mode(target) == 0o600
    assert not target.with_name(target.name + "-wal").exists()


def test_a_backup_never_overwrites_a_file(
    client: TestClient[Any], settings: Settings, tmp_path: Path
) -> None:
    target = tmp_path / "backup.sqlite3"
    target.write_text("keep me")

    result = CliRunner().invoke(
        main, ["backup", str(target)], env={"TASKSYNC_DATA_DIR": str(settings.data_dir)}
    )

    assert result.exit_code == 1
    assert f"{target} exists; choose a new file." in result.output
    assert target.read_text() == "keep me"


def test_a_failed_backup_leaves_no_file_behind(
    client: TestClient[Any], settings: Settings, tmp_path: Path
) -> None:
    target = tmp_path / "missing-folder" / "backup.sqlite3"

    result = CliRunner().invoke(
        main, ["backup", str(target)], env={"TASKSYNC_DATA_DIR": str(settings.data_dir)}
    )

    assert result.exit_code == 1
    assert "The backup failed:" in result.output
    assert not target.exists()


def test_an_existing_database_keeps_the_mode_its_owner_chose(
    settings: Settings, tmp_path: Path
) -> None:
    settings.database_path.parent.mkdir(parents=True)
    settings.database_path.touch(mode=0o640)
    os.chmod(settings.database_path, 0o640)

    add_user(settings, "ada@example.com", "Ada", "correct horse battery")

    assert mode(settings.database_path) == 0o640

"""The generated JWT signing key: whole on disk before its name, never empty."""

from __future__ import annotations

from pathlib import Path

from server.secrets_store import KEY_FILE, signing_key


def test_generated_key_is_kept_private_and_reused(tmp_path: Path) -> None:
    key = signing_key("", tmp_path)

    assert len(key) == 64
    assert (tmp_path / KEY_FILE).read_text() == key + "\n"
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert signing_key("", tmp_path) == key
    assert sorted(path.name for path in tmp_path.iterdir()) == [KEY_FILE]


def test_empty_key_file_left_by_a_crash_is_replaced_not_used(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("")

    key = signing_key("", tmp_path)

    assert len(key) == 64
    assert (tmp_path / KEY_FILE).read_text() == key + "\n"

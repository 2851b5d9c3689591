"""The resume state: an append-only log of acknowledged lines, keyed by target and content."""

from __future__ import annotations

from pathlib import Path

from server.importer.state import ImportState, default_path, line_key

TARGET = "http://tasks.example/api/v1/projects/p/task-sync/"


def test_acknowledged_lines_are_found_again_by_a_new_run(tmp_path: Path) -> None:
    path = default_path(tmp_path / "export.json")
    state = ImportState(path)
    state.record(line_key(TARGET, 1, b"{}"), 1, "created")
    state.record(line_key(TARGET, 2, b"{}"), 2, "updated")
    state.close()

    again = ImportState(path)

    assert path.name == "export.json.tasksync-import.jsonl"
    assert again.done == {
        line_key(TARGET, 1, b"{}"): "created",
        line_key(TARGET, 2, b"{}"): "updated",
    }


def test_another_target_an_edited_line_or_a_moved_line_is_a_new_key() -> None:
    key = line_key(TARGET, 1, b'{"a":1}')

    assert line_key(TARGET.replace("/p/", "/q/"), 1, b'{"a":1}') != key
    assert line_key(TARGET, 1, b'{"a":2}') != key
    assert line_key(TARGET, 2, b'{"a":1}') != key
    assert line_key(TARGET, 1, b'{"a":1}') == key


def test_a_line_torn_by_a_crash_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    state = ImportState(path)
    state.record("k1", 1, "created")
    state.close()
    with path.open("ab") as log:
        log.write(b'{"key":"k2","li')

    assert ImportState(path).done == {"k1": "created"}


def test_records_are_on_disk_after_sync_without_closing(tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    state = ImportState(path)
    state.record("k1", 1, "created")

    state.sync()

    assert path.read_bytes() == b'{"key":"k1","line":1,"result":"created"}\n'
    state.close()

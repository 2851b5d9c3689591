"""What a database must look like after anything happened to the server: every acknowledged
push present with its content, nothing half-written, the audit chain intact.

The checks read the file directly (the server stopped), except the audit chain, which is
verified by the server's own code through `GET …/api-token-audit/verify/`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from tests.reliability.traffic import Ack, Fleet, Key, Ledger


def open_file(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def assert_sound(path: Path) -> None:
    """SQLite's own checks, and no task without its link or link without its task."""
    with open_file(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall()[0][0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        orphans = conn.execute(
            "SELECT count(*) FROM tasks t LEFT JOIN task_links l ON l.task_id = t.id"
            " WHERE l.task_id IS NULL OR l.project_id != t.project_id"
        ).fetchone()[0]
        assert orphans == 0, "a task without its link"
        assert (
            conn.execute(
                "SELECT count(*) FROM task_links l LEFT JOIN tasks t ON t.id = l.task_id"
                " WHERE t.id IS NULL"
            ).fetchone()[0]
            == 0
        ), "a link without its task"
        assert (
            conn.execute(
                "SELECT count(*) FROM task_history h LEFT JOIN tasks t ON t.id = h.task_id"
                " WHERE t.id IS NULL"
            ).fetchone()[0]
            == 0
        ), "history of a task that does not exist"
        assert (
            conn.execute(
                "SELECT count(*) FROM tasks c LEFT JOIN tasks p ON p.id = c.parent_id"
                " WHERE c.parent_id IS NOT NULL"
                " AND (p.id IS NULL OR p.project_id != c.project_id)"
            ).fetchone()[0]
            == 0
        ), "a parent that does not exist or is in another project"
        _assert_short_ids_contiguous(conn)


def _assert_short_ids_contiguous(conn: sqlite3.Connection) -> None:
    for project in conn.execute("SELECT id, last_task_number FROM projects").fetchall():
        numbers = [
            row[0]
            for row in conn.execute(
                "SELECT number FROM tasks WHERE project_id = ? ORDER BY number", (project[0],)
            )
        ]
        assert numbers == list(range(1, len(numbers) + 1)), f"gap in {project[0]}"
        assert project[1] == len(numbers), "the counter and the tasks disagree"


def assert_holds(path: Path, ledger: Ledger) -> int:
    """Every acknowledged push is there with its content; returns how many keys were checked."""
    with open_file(path) as conn:
        for key, ack in ledger.acked.items():
            _assert_key(conn, ledger, ack, [(p.name, p.status) for p in ledger.candidates(key)])
        for key, task_ids in ledger.shared_tasks.items():
            assert len(task_ids) == 1, f"{key} answered with two tasks"
            assert _row(conn, key) is not None
    return len(ledger.acked)


def assert_holds_as_of(path: Path, ledger: Ledger, snapshot: dict[Key, Ack]) -> None:
    """A copy taken after `snapshot` holds each of its pushes, or a later one to the key."""
    with open_file(path) as conn:
        for ack in snapshot.values():
            _assert_key(conn, ledger, ack, [(p.name, p.status) for p in ledger.since(ack)])


def _row(conn: sqlite3.Connection, key: Key) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT t.id, t.number, t.name, t.status, t.parent_id, l.parent_external_id"
        " FROM task_links l JOIN tasks t ON t.id = l.task_id"
        " WHERE l.project_id = ? AND l.source = ? AND l.external_id = ?",
        key,
    ).fetchone()
    return row


def _assert_key(
    conn: sqlite3.Connection, ledger: Ledger, ack: Ack, allowed: list[tuple[str, str]]
) -> None:
    key = ack.push.key
    row = _row(conn, key)
    assert row is not None, f"acknowledged push lost: {key}"
    assert row["id"] == ack.task_id
    assert f"{row['number']:08X}" == ack.short_id
    held = (row["name"], row["status"])
    assert held in allowed, f"{key} holds {held}, acknowledged {allowed[0]}"
    parent = ack.push.parent
    if parent is not None:
        parent_row = _row(conn, (key[0], key[1], parent))
        assert row["parent_external_id"] == parent
        if parent_row is not None:
            assert row["parent_id"] == parent_row["id"], f"{key} not under {parent}"


def assert_audit_counts(path: Path, ledger: Ledger) -> None:
    """A `used` entry for every acknowledged push, none for a push never sent."""
    with open_file(path) as conn:
        for project, acks in ledger.acks_by_project.items():
            used = conn.execute(
                "SELECT count(*) FROM audit_entries WHERE project_id = ? AND action = 'used'",
                (project,),
            ).fetchone()[0]
            assert acks <= used <= ledger.attempts[project], (project, acks, used)


def assert_chains_verify(client: httpx.Client, fleet: Fleet) -> int:
    """The server's own chain check on every project; returns the entries it checked."""
    checked = 0
    for project_id, _ in fleet.projects:
        response = client.get(
            f"/api/v1/projects/{project_id}/api-token-audit/verify/", headers=fleet.admin
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["ok"] is True, report
        checked += report["entries_checked"]
    return checked

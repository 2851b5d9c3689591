"""The group-commit writer and the reader pool, on a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from server.storage.database import Database, StorageUnavailable

# Generous: these only bound how long a broken writer can hang a test, they are not waited.
WAIT = 10.0


def run(scenario: Callable[[Database], Coroutine[Any, Any, None]], path: Path) -> None:
    async def main() -> None:
        db = Database(path)
        await db.start()
        try:
            await db.write(_create_tables)
            await scenario(db)
        finally:
            await db.close()

    asyncio.run(main())


def _create_tables(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)")
    conn.execute("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
    # Deferred: a dangling reference is only refused at COMMIT, which lets a test make the
    # commit itself fail.
    conn.execute(
        "CREATE TABLE children (id INTEGER PRIMARY KEY,"
        " parent_id INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)"
    )


def insert(body: str) -> Callable[[sqlite3.Connection], str]:
    def job(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT INTO notes (body) VALUES (?)", (body,))
        return body

    return job


def committed_notes(path: Path) -> list[str]:
    """What another process would find on disk."""
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT body FROM notes ORDER BY id")]
    finally:
        conn.close()


class Gate:
    """A write job that holds the writer until released, so later jobs queue up behind it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, conn: sqlite3.Connection) -> None:
        self.entered.set()
        assert self.release.wait(WAIT)

    async def hold(self, db: Database) -> asyncio.Task[None]:
        task = asyncio.create_task(db.write(self))
        assert await asyncio.to_thread(self.entered.wait, WAIT)
        return task


async def submit(db: Database, *jobs: Callable[[sqlite3.Connection], Any]) -> list[Any]:
    """Queue `jobs` in order (each has reached the writer's queue when this returns)."""
    tasks = [asyncio.create_task(db.write(job)) for job in jobs]
    await asyncio.sleep(0)
    return tasks


async def outcomes(tasks: list[Awaitable[Any]]) -> list[Any]:
    return list(await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), WAIT))


def test_a_failing_job_rolls_back_alone_and_the_rest_of_its_batch_commits(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"

    def fails_after_writing(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO notes (body) VALUES ('half-done')")
        raise ValueError("the job's own bug")

    async def scenario(db: Database) -> None:
        gate = Gate()
        held = await gate.hold(db)
        tasks = await submit(db, insert("first"), fails_after_writing, insert("last"))
        gate.release.set()
        await held

        first, failed, last = await outcomes(tasks)

        assert (first, last) == ("first", "last")
        assert isinstance(failed, ValueError)
        assert db.stats.largest_batch == 3
        assert committed_notes(path) == ["first", "last"]

    run(scenario, path)


def test_a_constraint_violation_fails_only_its_own_job(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"

    async def scenario(db: Database) -> None:
        await db.write(insert("taken"))
        gate = Gate()
        held = await gate.hold(db)
        tasks = await submit(db, insert("a"), insert("taken"), insert("b"))
        gate.release.set()
        await held

        a, duplicate, b = await outcomes(tasks)

        assert (a, b) == ("a", "b")
        assert isinstance(duplicate, sqlite3.IntegrityError)
        assert committed_notes(path) == ["taken", "a", "b"]

    run(scenario, path)


def test_a_commit_failure_fails_every_job_of_the_batch_with_storage_unavailable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"

    def dangling_child(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT INTO children (parent_id) VALUES (42)")
        return "accepted, but the commit will refuse it"

    async def scenario(db: Database) -> None:
        gate = Gate()
        held = await gate.hold(db)
        tasks = await submit(db, insert("innocent"), dangling_child)
        gate.release.set()
        await held

        results = await outcomes(tasks)

        assert [type(result) for result in results] == [StorageUnavailable] * 2
        assert committed_notes(path) == []
        assert db.stats.failures == 1
        # The writer recovers: the next batch commits normally.
        assert await db.write(insert("after")) == "after"
        assert committed_notes(path) == ["after"]

    run(scenario, path)


def test_a_full_disk_fails_every_job_of_the_batch(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"

    def cap_the_file(conn: sqlite3.Connection) -> None:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 2}")

    def too_big(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO notes (body) VALUES (?)", ("x" * 1_000_000,))

    async def scenario(db: Database) -> None:
        await db.write(cap_the_file)
        gate = Gate()
        held = await gate.hold(db)
        tasks = await submit(db, insert("small"), too_big)
        gate.release.set()
        await held

        results = await outcomes(tasks)

        assert [type(result) for result in results] == [StorageUnavailable] * 2
        assert committed_notes(path) == []

    run(scenario, path)


def test_a_caller_hears_of_its_write_only_after_the_batch_has_committed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    second_started = threading.Event()
    finish_second = threading.Event()

    def slow_second(conn: sqlite3.Connection) -> None:
        second_started.set()
        assert finish_second.wait(WAIT)

    async def scenario(db: Database) -> None:
        gate = Gate()
        held = await gate.hold(db)
        first, second = await submit(db, insert("first"), slow_second)
        gate.release.set()
        await held
        assert await asyncio.to_thread(second_started.wait, WAIT)

        # "first" has run, but its batch has not committed while "second" is still running.
        for _ in range(5):
            await asyncio.sleep(0)
        assert not first.done()
        assert committed_notes(path) == []

        finish_second.set()
        assert await asyncio.wait_for(first, WAIT) == "first"
        assert committed_notes(path) == ["first"]
        await second

    run(scenario, path)


def test_concurrent_writes_share_commits(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"

    async def scenario(db: Database) -> None:
        commits_before = db.stats.commits

        results = await outcomes([db.write(insert(f"note {n}")) for n in range(200)])

        assert sorted(results) == sorted(f"note {n}" for n in range(200))
        assert db.stats.largest_batch > 1
        assert db.stats.commits - commits_before < 200
        assert len(committed_notes(path)) == 200

    run(scenario, path)


def test_reads_do_not_wait_for_a_busy_writer_and_see_only_committed_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    entered = threading.Event()
    release = threading.Event()

    def long_write(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO notes (body) VALUES ('uncommitted')")
        entered.set()
        assert release.wait(WAIT)

    def read_notes(conn: sqlite3.Connection) -> list[str]:
        return [row[0] for row in conn.execute("SELECT body FROM notes ORDER BY id")]

    async def scenario(db: Database) -> None:
        await db.write(insert("committed"))
        writing = asyncio.create_task(db.write(long_write))
        assert await asyncio.to_thread(entered.wait, WAIT)

        seen = await asyncio.wait_for(db.read(read_notes), WAIT)

        assert seen == ["committed"]
        release.set()
        await writing
        assert await db.read(read_notes) == ["committed", "uncommitted"]

    run(scenario, path)


def test_the_writer_commits_with_a_full_sync_in_wal_mode(tmp_path: Path) -> None:
    def pragmas(conn: sqlite3.Connection) -> tuple[str, int]:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        return mode, conn.execute("PRAGMA synchronous").fetchone()[0]

    async def scenario(db: Database) -> None:
        assert await db.write(pragmas) == ("wal", 2)  # 2 = FULL

    run(scenario, tmp_path / "db.sqlite3")


def test_a_job_that_commits_by_itself_fails_its_batch(tmp_path: Path) -> None:
    def rogue(conn: sqlite3.Connection) -> None:
        conn.execute("COMMIT")

    async def scenario(db: Database) -> None:
        with pytest.raises(StorageUnavailable):
            await db.write(rogue)
        assert await db.write(insert("after")) == "after"

    run(scenario, tmp_path / "db.sqlite3")


def test_close_commits_every_queued_write_then_refuses_new_ones(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"

    async def main() -> None:
        db = Database(path)
        await db.start()
        await db.write(_create_tables)
        gate = Gate()
        held = await gate.hold(db)
        tasks = await submit(db, *(insert(f"queued {n}") for n in range(5)))

        closing = asyncio.create_task(db.close())
        await asyncio.sleep(0)
        gate.release.set()
        await asyncio.wait_for(closing, WAIT)

        await held
        assert await outcomes(tasks) == [f"queued {n}" for n in range(5)]
        with pytest.raises(StorageUnavailable):
            await db.write(insert("too late"))
        with pytest.raises(StorageUnavailable):
            await db.read(lambda conn: conn.execute("SELECT 1").fetchone())

    asyncio.run(main())
    assert committed_notes(path) == [f"queued {n}" for n in range(5)]

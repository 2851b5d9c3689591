"""The database: one writer thread with group commit, and a pool of readers.

Every write is a plain function `fn(conn) -> T` that runs whole on the writer thread, so a
request's write is one hop into the database and never interleaves with another request's.
The writer takes every job waiting at that moment, runs each inside its own savepoint (a
failing job rolls back alone), commits the batch once with `synchronous=FULL`, and only then
resolves the callers' futures: a 2xx always means the change is on disk (SPEC 9).

Reads run `fn(conn)` on a read-only connection from a small pool, on a worker thread, and in
WAL mode they never wait for the writer.

Error tree:

    StorageError
    ├── StorageUnavailable   the disk refused the commit (full, read-only, I/O error)
    └── (anything a job raises is re-raised to its caller unchanged)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread

from server.storage import dialect
from server.storage.migrate import migrate

T = TypeVar("T")

logger = logging.getLogger(__name__)

# How many waiting jobs one commit may carry; bounds the latency of the first in the batch.
MAX_BATCH = 256


class StorageError(Exception):
    """Base of storage failures."""


class StorageUnavailable(StorageError):
    """The database could not commit: disk full, read-only, or an I/O error."""


@dataclass(eq=False)
class _Job:
    fn: Callable[[sqlite3.Connection], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


@dataclass
class WriterStats:
    commits: int = 0
    jobs: int = 0
    largest_batch: int = 0
    failures: int = 0
    listeners: list[Callable[[int], None]] = field(default_factory=list)


_STOP = object()


class Database:
    def __init__(self, path: Path, *, readers: int = 4) -> None:
        self.path = path
        self._reader_count = readers
        self._jobs: queue.SimpleQueue[_Job | object] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._readers: asyncio.Queue[sqlite3.Connection] | None = None
        self._all_readers: list[sqlite3.Connection] = []
        self.stats = WriterStats()

    async def start(self) -> None:
        # 0700: the file holds password and token hashes; only the service's user reads it.
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        conn = dialect.connect(self.path)
        migrate(conn)
        self._writer = threading.Thread(
            target=self._write_loop, args=(conn,), name="tasksync-writer", daemon=True
        )
        self._writer.start()
        self._readers = asyncio.Queue()
        for _ in range(self._reader_count):
            reader = dialect.connect(self.path, read_only=True)
            self._all_readers.append(reader)
            self._readers.put_nowait(reader)

    async def close(self) -> None:
        if self._writer is not None:
            self._jobs.put(_STOP)
            await anyio.to_thread.run_sync(self._writer.join)
            self._writer = None
        for reader in self._all_readers:
            reader.close()
        self._all_readers.clear()

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` in the writer's transaction; return once it is durably committed."""
        if self._writer is None:
            raise StorageUnavailable("the database is not open")
        loop = asyncio.get_running_loop()
        job = _Job(fn, loop, loop.create_future())
        self._jobs.put(job)
        # Shielded: a client that hangs up must not leave its committed change unreported
        # to the code that is waiting on it (the audit and the metrics read the result).
        result: T = await asyncio.shield(job.future)
        return result

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` on a read-only connection; sees every committed write."""
        assert self._readers is not None, "Database.start() was not awaited"
        conn = await self._readers.get()
        try:
            return await anyio.to_thread.run_sync(fn, conn)
        except sqlite3.Error as exc:
            if dialect.is_unavailable(exc):
                raise StorageUnavailable(str(exc)) from exc
            raise
        finally:
            self._readers.put_nowait(conn)

    def _write_loop(self, conn: sqlite3.Connection) -> None:
        try:
            while True:
                batch = self._take_batch()
                if batch is None:
                    return
                self._run_batch(conn, batch)
        finally:
            conn.close()

    def _take_batch(self) -> list[_Job] | None:
        first = self._jobs.get()
        if first is _STOP:
            return None
        batch = [first]
        while len(batch) < MAX_BATCH:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is _STOP:
                self._jobs.put(_STOP)  # finish this batch, then stop
                break
            batch.append(job)
        return [job for job in batch if isinstance(job, _Job)]

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        outcomes: list[tuple[_Job, Any, BaseException | None]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job in batch:
                outcomes.append((job, *self._run_job(conn, job)))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self.stats.failures += 1
            logger.error("commit failed", extra={"error": str(exc), "jobs": len(batch)})
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            failure = StorageUnavailable(str(exc))
            outcomes = [(job, None, failure) for job in batch]

        self.stats.commits += 1
        self.stats.jobs += len(batch)
        self.stats.largest_batch = max(self.stats.largest_batch, len(batch))
        for listener in self.stats.listeners:
            listener(len(batch))
        for job, result, error in outcomes:
            job.loop.call_soon_threadsafe(_settle, job.future, result, error)

    def _run_job(self, conn: sqlite3.Connection, job: _Job) -> tuple[Any, BaseException | None]:
        conn.execute("SAVEPOINT job")
        try:
            result = job.fn(conn)
        except sqlite3.Error as exc:
            if dialect.is_unavailable(exc):
                raise  # the disk, not the job: fail the whole batch
            conn.execute("ROLLBACK TO job")
            conn.execute("RELEASE job")
            return None, exc
        except Exception as exc:
            conn.execute("ROLLBACK TO job")
            conn.execute("RELEASE job")
            return None, exc
        conn.execute("RELEASE job")
        return result, None

    @contextlib.contextmanager
    def direct(self) -> Iterator[sqlite3.Connection]:
        """A private connection for tools that run with the server stopped (CLI, tests)."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        conn = dialect.connect(self.path)
        try:
            migrate(conn)
            yield conn
        finally:
            conn.close()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def run_in_transaction(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run `fn` in its own transaction on a direct connection (CLI and test set-up)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result

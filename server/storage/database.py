"""The database: one writer thread with group commit, and a pool of readers.

Every write is a plain function `fn(conn) -> T` that runs whole on the writer thread, so a
request's write is one hop into the database and never interleaves with another request's.
The writer takes every job waiting at that moment, runs each inside its own savepoint (a
failing job rolls back alone), commits the batch once with `synchronous=FULL`, and only then
resolves the callers' futures: a 2xx always means the change is on disk (SPEC 9).

Reads run `fn(conn)` on a read-only connection from a small pool, on a worker thread, and in
WAL mode they never wait for the writer.

While commits fail (disk full, read-only, I/O error) `write_failure` says why: the log gets
one line when they start failing and one when a commit succeeds again, not one per batch, and
`check_writes()` (the health check) tries a real commit so recovery is noticed without load.

`close()` lets every write already submitted commit and then stops the writer; a write that
arrives later, or one queued when the writer thread dies, fails with `StorageUnavailable`
rather than waiting forever.

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


# What one job came to: its result, or the exception its caller will see.
_Outcome = tuple[_Job, Any, BaseException | None]


@dataclass
class WriterStats:
    commits: int = 0
    jobs: int = 0
    largest_batch: int = 0
    failures: int = 0
    listeners: list[Callable[[int], None]] = field(default_factory=list)


_STOP = object()

# Named so that a job's own savepoints (if any) cannot collide with ours.
_SAVEPOINT = "tasksync_job"


class Database:
    def __init__(self, path: Path, *, readers: int = 4) -> None:
        self.path = path
        self._reader_count = readers
        self._jobs: queue.SimpleQueue[_Job | object] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._accepting = False
        self._readers: asyncio.Queue[sqlite3.Connection] | None = None
        self._all_readers: list[sqlite3.Connection] = []
        self.stats = WriterStats()
        # Why the last commit failed; None once one succeeds. Set on the writer thread only.
        self.write_failure: str | None = None
        self._failed_commits = 0

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = dialect.connect(self.path)
        migrate(conn)
        self._writer = threading.Thread(
            target=self._write_loop, args=(conn,), name="tasksync-writer", daemon=True
        )
        self._accepting = True
        self._writer.start()
        self._readers = asyncio.Queue()
        for _ in range(self._reader_count):
            reader = dialect.connect(self.path, read_only=True)
            self._all_readers.append(reader)
            self._readers.put_nowait(reader)

    async def close(self) -> None:
        """Finish every write already submitted, then stop; later writes are refused."""
        self._accepting = False
        if self._writer is not None:
            self._jobs.put(_STOP)
            await anyio.to_thread.run_sync(self._writer.join)
            self._writer = None
        self._readers = None
        for reader in self._all_readers:
            reader.close()
        self._all_readers.clear()

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` in the writer's transaction; return once it is durably committed."""
        if not self._accepting:
            raise StorageUnavailable("the database is not open")
        loop = asyncio.get_running_loop()
        job = _Job(fn, loop, loop.create_future())
        self._jobs.put(job)
        if not self._accepting:
            self._fail_queued()  # the writer died between the check and the put
        # Shielded: a client that hangs up must not leave its committed change unreported
        # to the code that is waiting on it (the audit and the metrics read the result).
        result: T = await asyncio.shield(job.future)
        return result

    async def check_writes(self) -> None:
        """Raise `StorageUnavailable` while commits fail; meanwhile each call tries one."""
        if self.write_failure is not None:
            await self.write(dialect.probe_write)

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` on a read-only connection; sees every committed write."""
        readers = self._readers
        if readers is None:
            raise StorageUnavailable("the database is not open")
        conn = await readers.get()
        try:
            return await anyio.to_thread.run_sync(fn, conn)
        except sqlite3.Error as exc:
            if dialect.is_unavailable(exc):
                raise StorageUnavailable(str(exc)) from exc
            raise
        finally:
            readers.put_nowait(conn)

    def _write_loop(self, conn: sqlite3.Connection) -> None:
        try:
            while (batch := self._take_batch()) is not None:
                self._run_batch(conn, batch)
        finally:
            # Whatever stopped the loop, no caller may wait forever on a write that will
            # never run: refuse new ones and fail the ones still queued.
            self._accepting = False
            conn.close()
            self._fail_queued()

    def _take_batch(self) -> list[_Job] | None:
        first = self._jobs.get()
        if not isinstance(first, _Job):
            return None
        batch = [first]
        while len(batch) < MAX_BATCH:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if not isinstance(job, _Job):
                self._jobs.put(_STOP)  # finish this batch, then stop
                break
            batch.append(job)
        return batch

    def _fail_queued(self) -> None:
        failure = StorageUnavailable("the database is closed")
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if isinstance(job, _Job):
                _deliver([(job, None, failure)])

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        try:
            outcomes = self._commit_batch(conn, batch)
        except BaseException as exc:
            # A bug in this module, not in a job: answer everyone, then let the thread die
            # (the loop's `finally` refuses further writes rather than hang them).
            _deliver([(job, None, StorageUnavailable("the writer failed")) for job in batch])
            logger.exception("writer failed", exc_info=exc)
            raise
        self._record(len(batch))
        _deliver(outcomes)

    def _commit_batch(self, conn: sqlite3.Connection, batch: list[_Job]) -> list[_Outcome]:
        outcomes: list[_Outcome] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job in batch:
                outcomes.append((job, *self._run_job(conn, job)))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            # Nothing of the batch is on disk, so no caller may be told otherwise.
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            self._note_failure(exc, len(batch))
            failure = StorageUnavailable(str(exc))
            return [(job, None, failure) for job in batch]
        self._note_success()
        return outcomes

    def _note_failure(self, exc: sqlite3.Error, jobs: int) -> None:
        self.stats.failures += 1
        self._failed_commits += 1
        if self.write_failure is None:
            # Once per outage: a line per batch would flood the log of a full disk.
            logger.error(
                "writes failing: answering 503 until a commit succeeds",
                extra={"error": str(exc), "jobs": jobs},
            )
        self.write_failure = str(exc)

    def _note_success(self) -> None:
        self.stats.commits += 1
        if self.write_failure is not None:
            logger.warning(
                "writes recovered",
                extra={"failed_commits": self._failed_commits, "error": self.write_failure},
            )
            self.write_failure = None
            self._failed_commits = 0

    def _record(self, size: int) -> None:
        self.stats.jobs += size
        self.stats.largest_batch = max(self.stats.largest_batch, size)
        for listener in self.stats.listeners:
            try:
                listener(size)
            except Exception:
                logger.exception("commit listener failed")

    def _run_job(self, conn: sqlite3.Connection, job: _Job) -> tuple[Any, BaseException | None]:
        conn.execute(f"SAVEPOINT {_SAVEPOINT}")
        try:
            result = job.fn(conn)
        except sqlite3.Error as exc:
            if dialect.is_unavailable(exc):
                raise  # the disk, not the job: fail the whole batch
            self._undo_job(conn)
            return None, exc
        except Exception as exc:
            self._undo_job(conn)
            return None, exc
        if not conn.in_transaction:
            # The job ran COMMIT or ROLLBACK itself: the batch's atomicity is gone.
            raise sqlite3.OperationalError("a write job ended the writer's transaction")
        conn.execute(f"RELEASE {_SAVEPOINT}")
        return result, None

    def _undo_job(self, conn: sqlite3.Connection) -> None:
        # If SQLite already rolled the whole transaction back (some errors do), this raises
        # and the batch fails as a whole, which is the truth: the earlier jobs are gone too.
        conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
        conn.execute(f"RELEASE {_SAVEPOINT}")

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


def _deliver(outcomes: list[_Outcome]) -> None:
    """Hand each outcome to its caller's event loop: one wake-up per loop, not per job."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Outcome]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].loop, []).append(outcome)
    for loop, settled in by_loop.items():
        # A loop that has already closed has no one left waiting.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, settled)


def _settle(outcomes: list[_Outcome]) -> None:
    for job, result, error in outcomes:
        if job.future.cancelled():
            continue
        if error is not None:
            job.future.set_exception(error)
        else:
            job.future.set_result(result)


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

"""The "naive" benchmark baseline's storage: one upsert and one commit per request.

This is what a straightforward implementation would do: a single aiosqlite connection,
and for every request its own transaction, committed with the same durability as the
product's writer (`synchronous=FULL` in WAL mode). It lives in its own file in the data
directory so it never touches the product's tables. Used only by `server/http/routes/bench.py`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite

FILE_NAME = "bench-naive.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS naive_tasks (
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name TEXT,
    status TEXT,
    assignee_email TEXT,
    parent_external_id TEXT,
    pushes INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (source, external_id)
)
"""

_UPSERT = """
INSERT INTO naive_tasks (source, external_id, name, status, assignee_email, parent_external_id)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (source, external_id) DO UPDATE SET
    name = excluded.name,
    status = excluded.status,
    assignee_email = excluded.assignee_email,
    parent_external_id = excluded.parent_external_id,
    pushes = naive_tasks.pushes + 1
"""


class NaiveStore:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        # One connection is shared by every request; without the lock one request's COMMIT
        # would also commit another's statement, which would be group commit by accident.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, data_dir: Path) -> NaiveStore:
        conn = await aiosqlite.connect(data_dir / FILE_NAME)
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = FULL")
        await conn.execute(_SCHEMA)
        await conn.commit()
        return cls(conn)

    async def upsert(self, row: tuple[str | None, ...]) -> None:
        async with self._lock:
            await self._conn.execute(_UPSERT, row)
            await self._conn.commit()

    async def close(self) -> None:
        await self._conn.close()

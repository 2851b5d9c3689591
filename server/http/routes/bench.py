"""Benchmark baselines, mounted only when `TASKSYNC_BENCH_ROUTES=1` (issue 6).

- `POST /bench/ceiling` reads and decodes the body exactly as task-sync does (same helpers,
  same msgspec struct) and answers: no auth, no storage. Nothing on the same server can be
  faster, so task-sync's throughput is measured as a fraction of it.
- `POST /bench/naive` does the same, then one aiosqlite upsert and commit per request with
  the product's durability (`server/storage/naive.py`): the baseline group commit must beat.

Neither is part of the product; both stay out of the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from litestar import Litestar, Request, post

from server.http.body import decode, read_body
from server.push import ACCEPTED_FIELDS, DECODER, Payload
from server.services import Services
from server.storage.naive import NaiveStore


class Received(msgspec.Struct):
    external_id: str


@post("/bench/ceiling", status_code=200, include_in_schema=False)
async def ceiling(request: Request[Any, Any, Any]) -> Received:
    payload = decode(await read_body(request), DECODER, ACCEPTED_FIELDS)
    return Received(payload.external_id)


@post("/bench/naive", status_code=200, include_in_schema=False)
async def naive(request: Request[Any, Any, Any]) -> Received:
    payload = decode(await read_body(request), DECODER, ACCEPTED_FIELDS)
    store: NaiveStore = request.app.state.naive_store
    await store.upsert(_row(payload))
    return Received(payload.external_id)


def _row(payload: Payload) -> tuple[str | None, ...]:
    def text(value: object) -> str | None:
        return value if isinstance(value, str) else None

    return (
        payload.source,
        payload.external_id,
        text(payload.name),
        text(payload.status),
        text(payload.assignee_email),
        text(payload.parent_external_id),
    )


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    services: Services = app.state.services
    store = await NaiveStore.open(services.settings.data_dir)
    app.state.naive_store = store
    try:
        yield
    finally:
        await store.close()


routes = [ceiling, naive]

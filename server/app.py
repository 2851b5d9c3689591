"""The Litestar application: routes, dependencies, error handling, start-up and shutdown."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, MediaType, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from server import __version__, bootstrap, web
from server.clock import Clock, SystemClock
from server.config import Settings
from server.http.auth import AppServices
from server.http.problems import EXCEPTION_HANDLERS, problem_responses
from server.http.requests import request_log_middleware
from server.http.routes import (
    audit,
    bench,
    members,
    people,
    projects,
    relays,
    sessions,
    sprints,
    task_sync,
    tasks,
    tokens,
)
from server.ratelimit import SlidingWindowLimiter
from server.secrets_store import signing_key
from server.services import Services
from server.sessions import SessionCodec
from server.storage.database import Database

logger = logging.getLogger(__name__)


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    return Services(
        settings=settings,
        db=Database(settings.database_path, readers=settings.readers),
        clock=clock,
        limiter=SlidingWindowLimiter(settings.rate_window_seconds),
        sessions=SessionCodec(
            signing_key(settings.secret_key, settings.data_dir), settings.jwt_ttl_seconds, clock
        ),
    )


@get(
    "/healthz",
    tags=["operations"],
    media_type=MediaType.JSON,
    responses=problem_responses(503),
)
async def healthz(services: AppServices) -> dict[str, str]:
    """Answers 200 when the database is reachable and takes writes; 503 while it does not.

    While commits fail (disk full, read-only file system), each call tries a real one, so
    the answer turns back to 200 as soon as the disk takes writes again.
    """
    await services.db.read(lambda conn: conn.execute("SELECT 1").fetchone())
    await services.db.check_writes()
    return {"status": "ok"}


@get("/metrics", tags=["operations"], media_type="text/plain; version=0.0.4")
async def metrics(services: AppServices) -> Response[bytes]:
    """Prometheus metrics."""
    return Response(services.metrics.render(), media_type="text/plain; version=0.0.4")


def route_handlers() -> Sequence[Any]:
    return [
        healthz,
        metrics,
        *people.routes,
        *sessions.routes,
        *projects.routes,
        *members.routes,
        *tokens.routes,
        *tasks.routes,
        *sprints.routes,
        *task_sync.routes,
        *audit.routes,
        *relays.routes,
        *web.routes(),
    ]


def create_app(settings: Settings, *, clock: Clock | None = None) -> Litestar:
    services = build_services(settings, clock)
    services.db.stats.listeners.append(services.metrics.commit_batch.observe)
    # The benchmark's baselines (bench/run.py), mounted only when asked for.
    bench_on = settings.bench_routes

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await services.db.start()
        await bootstrap.first_start(services)
        try:
            yield
        finally:
            await services.db.close()

    app = Litestar(
        route_handlers=[*route_handlers(), *(bench.routes if bench_on else [])],
        dependencies={
            "services": Provide(lambda: services, use_cache=True, sync_to_thread=False)
        },
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=web.template_config(),
        lifespan=[lifespan, *([bench.lifespan] if bench_on else [])],
        state=State({"services": services}),
        openapi_config=OpenAPIConfig(
            title="tasksync",
            version=__version__,
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
            # Each handler's docstring is its operation's description in the document.
            use_handler_docstrings=True,
        ),
        request_max_body_size=1024 * 1024,
        debug=False,
        logging_config=None,
    )
    # Around the whole handler, not as route middleware: requests that match no route (404,
    # 405) get their line and their count too.
    app.asgi_handler = request_log_middleware(services.metrics)(app.asgi_handler)
    return app

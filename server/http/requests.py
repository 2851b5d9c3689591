"""The request line and the request metrics, written once per request."""

from __future__ import annotations

import logging
import time
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.metrics import Metrics

logger = logging.getLogger("tasksync.request")


def request_log_middleware(metrics: Metrics) -> Any:
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = 500

            async def send_wrapper(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, send_wrapper)
            finally:
                _record(scope, status, time.perf_counter() - started, metrics)

        return middleware

    return factory


def _record(scope: Scope, status: int, seconds: float, metrics: Metrics) -> None:
    method = str(scope.get("method", ""))
    route = scope.get("path_template") or "unmatched"
    state = scope.get("state", {})
    metrics.requests.labels(method, route, str(status)).inc()
    metrics.latency.labels(route).observe(seconds)
    path_params = scope.get("path_params") or {}
    logger.info(
        "request",
        extra={
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "project": path_params.get("project_id"),
            "token_prefix": state.get("token_prefix"),
            "user": state.get("user_id"),
        },
    )

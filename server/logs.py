"""Structured logs: one line per request or unit of work, fields not prose (SPEC 9).

Never a token, a password or a payload body: request lines carry only the route template,
never the query string, and nothing in tasksync logs a header or a body.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure(level: str, fmt: str) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_color_message,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log would repeat our request line, with the query string.
    logging.getLogger("uvicorn.access").disabled = True


def _drop_color_message(
    _: object, __: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    # uvicorn adds an ANSI-coloured copy of its message for its own formatter.
    event.pop("color_message", None)
    return event

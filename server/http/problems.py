"""Every error response, as RFC 9457 problem details, produced here and nowhere else.

Shape: `{type, title, status, detail}` plus `errors: [{field, message}]` on a 400. A 5xx
never carries exception text.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from server import errors
from server.storage.database import StorageUnavailable

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://tasksync.dev/problems/"

_TITLES = {
    400: "Invalid request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


class ProblemField(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, as every error response of tasksync carries them."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemField] | None = None


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the error statuses a route can answer, for `responses=`."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_TITLES.get(status, "Error"),
            media_type=PROBLEM_JSON,
        )
        for status in statuses
    }


def problem_type(status: int) -> str:
    slug = _TITLES.get(status, "error").lower().replace(" ", "-")
    return TYPE_BASE + slug


def problem_response(
    status: int,
    detail: str,
    *,
    field_errors: list[errors.FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    body = Problem(
        type=problem_type(status),
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        errors=[ProblemField(e.field, e.message) for e in field_errors]
        if field_errors is not None
        else None,
    )
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def domain_error_handler(_: Request[Any, Any, Any], exc: errors.DomainError) -> Response[bytes]:
    field_errors = exc.errors if isinstance(exc, errors.InvalidInput) else None
    return problem_response(
        exc.status, exc.detail, field_errors=field_errors, headers=exc.headers
    )


def storage_error_handler(
    _: Request[Any, Any, Any], exc: StorageUnavailable
) -> Response[bytes]:
    # Not logged here: the writer logs once when commits start failing and once when they
    # recover; a line per refused request would flood the log of a full disk.
    return problem_response(
        503,
        "The database cannot take writes right now; retry later.",
        headers={"Retry-After": "5"},
    )


def http_error_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        return problem_response(
            400, "The request is not valid.", field_errors=_litestar_fields(exc)
        )
    if isinstance(exc, NotFoundException):
        return problem_response(404, "No such resource.")
    if status >= 500:
        return problem_response(status, _TITLES.get(status, "Internal error") + ".")
    detail = (
        exc.detail if isinstance(exc.detail, str) and exc.detail else _TITLES.get(status, "")
    )
    return problem_response(status, detail, headers=dict(exc.headers or {}))


def unexpected_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    logger.exception("unexpected error", exc_info=exc)
    return problem_response(HTTP_500_INTERNAL_SERVER_ERROR, "Something went wrong on our side.")


def _litestar_fields(exc: ValidationException) -> list[errors.FieldError]:
    found = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            found.append(
                errors.FieldError(str(item.get("key", "")), str(item.get("message", "")))
            )
    return found or [errors.FieldError("", str(exc.detail))]


EXCEPTION_HANDLERS: dict[Any, Any] = {
    errors.DomainError: domain_error_handler,
    StorageUnavailable: storage_error_handler,
    HTTPException: http_error_handler,
    Exception: unexpected_error_handler,
}

__all__ = [
    "EXCEPTION_HANDLERS",
    "PROBLEM_JSON",
    "MediaType",
    "Problem",
    "problem_response",
    "problem_responses",
]

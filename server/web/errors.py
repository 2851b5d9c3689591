"""How console routes answer errors: pages for people, not problem+json for programs.

The domain raises the same errors for the console as for the API; only the rendering
differs. No error page ever carries exception text beyond the domain's own detail.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template

from server import errors
from server.web.csrf import CsrfRefused
from server.web.session import LoginRequired, login_location

logger = logging.getLogger(__name__)

_CSRF_DETAIL = (
    "This form did not carry the token its page was given, so nothing was changed. "
    "It may have come from another site, or the page was older than your session. "
    "Go back, reload the page and try again."
)


def error_page(
    status: int, title: str, detail: str, items: list[str] | None = None
) -> Template:
    return Template(
        template_name="error.html",
        context={"status": status, "title": title, "detail": detail, "items": items or []},
        status_code=status,
    )


def login_required(request: Request[Any, Any, Any], exc: LoginRequired) -> Response[Any]:
    return Redirect(path=login_location(exc.next_path), status_code=303)


def csrf_refused(request: Request[Any, Any, Any], exc: CsrfRefused) -> Response[Any]:
    logger.warning("console form refused: bad csrf token", extra={"path": request.url.path})
    return error_page(403, "Form refused", _CSRF_DETAIL)


def domain_error(request: Request[Any, Any, Any], exc: errors.DomainError) -> Response[Any]:
    if isinstance(exc, errors.NotAuthenticated):
        return Redirect(path=login_location(request.url.path), status_code=303)
    items = [f"{e.field}: {e.message}" for e in getattr(exc, "errors", [])]
    if exc.status >= 500:
        return error_page(exc.status, exc.title, "Something went wrong on our side.")
    return error_page(exc.status, exc.title, exc.detail, items)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        return error_page(exc.status_code, "Error", "Something went wrong on our side.")
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else "Not available."
    return error_page(exc.status_code, "Error", detail)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    LoginRequired: login_required,
    CsrfRefused: csrf_refused,
    errors.DomainError: domain_error,
    HTTPException: http_error,
}

"""The console's session: a JWT in an HttpOnly, SameSite=Strict cookie (SPEC 10).

The cookie is read here and nowhere else: the JSON API takes only `Authorization: Bearer`
(server/http/auth.py), so a cookie a browser attaches to a cross-site request can reach
nothing but console routes, and every console form checks a CSRF token (server/web/csrf.py).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from litestar import Request, Response

from server.config import Settings, parse_networks
from server.errors import NotAuthenticated
from server.http.client_ip import parse_address
from server.services import Services
from server.sessions import Session
from server.users import User, load_session_user

COOKIE = "tasksync_session"
COOKIE_PATH = "/console"
_NEXT = re.compile(r"/console/[A-Za-z0-9/_.~%-]*")


class LoginRequired(Exception):
    """No valid session: the console answers with a redirect to its login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def is_https(request: Request[Any, Any, Any], settings: Settings) -> bool:
    """Whether the browser reached us over TLS: directly, or through a trusted proxy that
    says so in `X-Forwarded-Proto` (anyone else could write that header)."""
    if request.url.scheme == "https":
        return True
    peer = parse_address(request.client.host) if request.client is not None else None
    if peer is None:
        return False
    trusted = any(
        peer.version == net.version and peer in net
        for net in parse_networks(settings.trusted_proxies)
    )
    proto = request.headers.get("x-forwarded-proto", "").strip().lower()
    return trusted and proto == "https"


async def session_user(
    request: Request[Any, Any, Any], services: Services
) -> tuple[Session, User]:
    """The live session the cookie names and its user, or `LoginRequired` (also once that
    session was logged out)."""
    try:
        session = services.sessions.read(request.cookies.get(COOKIE, ""))
    except NotAuthenticated:
        raise LoginRequired(request.url.path) from None
    found = await services.db.read(lambda conn: load_session_user(conn, session))
    if found is None:
        raise LoginRequired(request.url.path)
    request.state.user_id = found.id
    return session, found


def login_location(next_path: str) -> str:
    return "/console/login?next=" + quote(safe_next(next_path), safe="/")


def safe_next(value: str | None) -> str:
    """Only a plain console path: never an open redirect (`//evil`, `https:`, `\\`), never a
    header break."""
    if value and _NEXT.fullmatch(value) and not value.startswith("/console/login"):
        return value
    return "/console/"


def set_session(
    response: Response[Any], request: Request[Any, Any, Any], settings: Settings, token: str
) -> None:
    response.set_cookie(
        COOKIE,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=is_https(request, settings),
    )


def clear_session(response: Response[Any], request: Request[Any, Any, Any]) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH)

"""Login, the caller, and user creation by administrators (SPEC 1)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import msgspec
from litestar import Request, get, post

from server import passwords
from server.errors import Forbidden
from server.http.auth import AUTHENTICATED, AppServices, CurrentUser
from server.http.body import decode, read_body
from server.http.client_ip import client_ip
from server.http.openapi import json_body, problems
from server.http.problems import problem_responses
from server.login_limits import log_in
from server.users import (
    Credentials,
    NewUser,
    User,
    check_new_user,
    create_first_or_regular,
)


class LoginResponse(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int


LOGIN_THROTTLED = (
    "Too many failed logins for this email or from this address lately; retry after "
    "`Retry-After` seconds."
)

_credentials = msgspec.json.Decoder(Credentials)
_new_user = msgspec.json.Decoder(NewUser)


@post(
    "/api/v1/auth/login",
    operation_class=json_body(Credentials),
    status_code=200,
    tags=["people"],
    responses={
        **problem_responses(400, 401, 408, 413, 415),
        **problems({429: LOGIN_THROTTLED}),
    },
)
async def login(request: Request[Any, Any, Any], services: AppServices) -> LoginResponse:
    """Exchange an email and password for a JWT.

    After 10 failed logins for one email, or 50 from one client address, in 15 minutes,
    logins for it are refused with a 429 and `Retry-After` until the oldest failure is 15
    minutes old; the password is not checked then.
    """
    credentials = decode(await read_body(request), _credentials, ("email", "password"))
    user = await log_in(
        services, credentials.email, credentials.password, client_ip(request, services.settings)
    )
    return LoginResponse(
        access_token=services.sessions.issue(user.id),
        token_type="bearer",  # noqa: S106 - the RFC 6750 token type
        expires_in=services.sessions.ttl_seconds,
    )


@get(
    "/api/v1/users/me/",
    tags=["people"],
    dependencies=AUTHENTICATED,
    responses=problem_responses(401),
)
async def me(user: CurrentUser) -> User:
    """The caller."""
    return user


@post(
    "/api/v1/users/",
    operation_class=json_body(NewUser),
    tags=["people"],
    dependencies=AUTHENTICATED,
    responses=problem_responses(400, 401, 403, 408, 409, 413, 415),
)
async def create_user(
    request: Request[Any, Any, Any], services: AppServices, user: CurrentUser
) -> User:
    """Create a user (administrators only; there is no open sign-up)."""
    if not user.is_admin:
        raise Forbidden("Only an administrator can create users.")
    new = check_new_user(
        decode(await read_body(request), _new_user, ("email", "name", "password"))
    )
    password_hash = await anyio.to_thread.run_sync(passwords.hash_password, new.password)
    return await services.db.write(
        lambda conn: create_first_or_regular(conn, new, password_hash, services.clock)
    )


routes = [login, me, create_user]

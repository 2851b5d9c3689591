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
from server.http.openapi import json_body
from server.http.problems import problem_responses
from server.users import (
    Credentials,
    NewUser,
    User,
    check_login,
    check_new_user,
    create_first_or_regular,
    user_row_for_login,
)


class LoginResponse(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int


_credentials = msgspec.json.Decoder(Credentials)
_new_user = msgspec.json.Decoder(NewUser)


@post(
    "/api/v1/auth/login",
    operation_class=json_body(Credentials),
    status_code=200,
    tags=["people"],
    responses=problem_responses(400, 401, 408, 413, 415),
)
async def login(request: Request[Any, Any, Any], services: AppServices) -> LoginResponse:
    """Exchange an email and password for a JWT."""
    credentials = decode(await read_body(request), _credentials, ("email", "password"))
    row = await services.db.read(lambda conn: user_row_for_login(conn, credentials.email))
    user = await anyio.to_thread.run_sync(check_login, row, credentials.password)
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

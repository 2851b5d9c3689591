"""API tokens (SPEC 2): mint, list, read, revoke. Name and status map never change (405)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import HttpMethod, Request, delete, get, post, route
from litestar.params import FromPath

from server.errors import NotAllowed
from server.http.auth import (
    AUTHENTICATED,
    AppServices,
    CurrentUser,
    project_for,
)
from server.http.body import decode, read_body
from server.http.client_ip import client_ip
from server.http.openapi import BODY, MALFORMED, json_body, member_route, problems, role_route
from server.tokens import (
    MintedToken,
    NewToken,
    TokenInfo,
    check_mint_rate,
    check_new_token,
    list_tokens,
    mint_token,
    read_token,
)
from server.tokens import revoke as revoke_token_now

TAGS = ["tokens"]
PATH = "/api/v1/projects/{project_id:str}/api-tokens/"
ONE = PATH + "{token_id:str}/"
NOT_FOUND_HERE = "No such project or no such token in it (non-members see no project)."


class TokenList(msgspec.Struct, frozen=True):
    results: list[TokenInfo]


_new_token = msgspec.json.Decoder(NewToken)


@post(
    PATH,
    operation_class=json_body(NewToken),
    tags=TAGS,
    dependencies=AUTHENTICATED,
    responses=role_route({**BODY, 429: "More than 10 mints by this user in a minute."}),
)
async def mint(
    project_id: FromPath[str],
    request: Request[Any, Any, Any],
    services: AppServices,
    user: CurrentUser,
) -> MintedToken:
    """Mint a token (manager). The raw `token` is in this response and never again."""
    project = await project_for(services, project_id, user, "manager")
    checked = check_new_token(
        decode(await read_body(request), _new_token, ("name", "status_map"))
    )
    check_mint_rate(services.mint_limiter, user.id, services.clock.monotonic())
    source_ip = client_ip(request, services.settings)
    return await services.db.write(
        lambda conn: mint_token(
            conn,
            project,
            user,
            checked,
            services.clock,
            backfill_minutes=services.settings.backfill_minutes,
            source_ip=source_ip,
        )
    )


@get(PATH, tags=TAGS, dependencies=AUTHENTICATED, responses=member_route())
async def list_all(
    project_id: FromPath[str], services: AppServices, user: CurrentUser
) -> TokenList:
    """The project's tokens, revoked ones included, newest first (any member)."""
    project = await project_for(services, project_id, user, "viewer")
    return TokenList(await services.db.read(lambda conn: list_tokens(conn, project)))


@get(ONE, tags=TAGS, dependencies=AUTHENTICATED, responses=member_route({404: NOT_FOUND_HERE}))
async def read(
    project_id: FromPath[str], token_id: FromPath[str], services: AppServices, user: CurrentUser
) -> TokenInfo:
    """One token, without its secret (any member)."""
    project = await project_for(services, project_id, user, "viewer")
    return await services.db.read(lambda conn: read_token(conn, project, token_id))


@delete(ONE, tags=TAGS, dependencies=AUTHENTICATED, responses=role_route({404: NOT_FOUND_HERE}))
async def revoke(
    project_id: FromPath[str],
    token_id: FromPath[str],
    request: Request[Any, Any, Any],
    services: AppServices,
    user: CurrentUser,
) -> None:
    """Revoke a token (manager). Immediate; repeating it changes nothing."""
    project = await project_for(services, project_id, user, "manager")
    source_ip = client_ip(request, services.settings)
    await revoke_token_now(services, project, user, token_id, source_ip=source_ip)


@route(
    ONE,
    http_method=[HttpMethod.PUT, HttpMethod.PATCH],
    status_code=405,
    tags=TAGS,
    responses=problems(
        {
            400: MALFORMED,
            405: "A token's name and status map never change; mint a new one.",
        }
    ),
)
async def immutable(project_id: FromPath[str], token_id: FromPath[str]) -> None:
    """Tokens are immutable: mint a new token and revoke the old one instead."""
    raise NotAllowed(
        "A token's name and status map cannot change; mint a new token and revoke this one.",
        headers={"Allow": "GET, DELETE"},
    )


routes = [mint, list_all, read, revoke, immutable]

"""Tokens page (SPEC 2, 10): list, mint (the raw token shown once), revoke after confirming.

The raw token exists only in the response to the mint form: it is never stored, never put
in a URL, and the page is `no-store`. Each mint form carries a one-time id, so reloading the
result page (which re-posts the form) shows a notice instead of minting a second token.
"""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from typing import Any

import msgspec
from litestar import Response, get, post
from litestar.params import FromPath

from server.errors import InvalidInput
from server.http.client_ip import client_ip
from server.statuses import STATUSES
from server.tokens import (
    NewToken,
    check_mint_rate,
    check_new_token,
    list_tokens,
    mint_token,
    read_token,
)
from server.tokens import revoke as revoke_token_now
from server.web.visit import ProjectView, Visit, VisitDependency, see_other

_status_map = msgspec.json.Decoder(dict[str, str])
# A status map of the largest size a token takes (200 keys of 64 characters, and values).
MAX_DRAFT_CHARS = 40_000


class UsedForms:
    """Mint-form ids already spent, newest kept; a bounded memory, never the token itself.

    Known limit: kept in the process, so a form re-posted after a restart mints again (a new
    token, shown once like any other; the old raw token is never shown again either way).
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._seen: OrderedDict[str, None] = OrderedDict()

    def spend(self, form_id: str) -> bool:
        """True the first time `form_id` is spent, False on every repeat."""
        if form_id in self._seen:
            return False
        self._seen[form_id] = None
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True


_used = UsedForms()


def parse_status_map(text: str) -> dict[str, str] | None:
    if not text.strip():
        return None
    try:
        return _status_map.decode(text)
    except msgspec.DecodeError:
        raise InvalidInput.one(
            "status_map", 'must be a JSON object of strings, e.g. {"Won\'t Do": "COMPLETE"}'
        ) from None


async def _page(
    visit: Visit, project: ProjectView, status: int = 200, **context: Any
) -> Response[Any]:
    tokens = await visit.services.db.read(lambda conn: list_tokens(conn, project.id))
    return visit.render(
        "tokens.html",
        status=status,
        project=project,
        section="tokens",
        tokens=tokens,
        now=visit.now_iso(),
        form_id=secrets.token_hex(16),
        statuses=STATUSES,
        **context,
    )


@get("/projects/{project_id:str}/tokens", include_in_schema=False)
async def tokens_page(visit: VisitDependency, project_id: FromPath[str]) -> Response[Any]:
    project = await visit.project(project_id)
    return await _page(visit, project, notice=_notice(visit))


@post("/projects/{project_id:str}/tokens/draft", include_in_schema=False, status_code=200)
async def draft(visit: VisitDependency, project_id: FromPath[str]) -> Response[Any]:
    """The tokens page with the mint form filled in: the sync health page posts its status
    map here (a form, not a link, so no map makes a URL too long for the server)."""
    project = await visit.project(project_id, "manager")
    form = await visit.form()
    map_text = str(form.get("status_map", ""))[:MAX_DRAFT_CHARS]
    return await _page(visit, project, map_text=_pretty(map_text))


def _pretty(map_text: str) -> str:
    try:
        return json.dumps(_status_map.decode(map_text), indent=2)
    except msgspec.DecodeError:
        return map_text


def _notice(visit: Visit) -> str | None:
    if visit.request.query_params.get("reposted"):
        return (
            "That mint form was already used; its token was shown once and is not shown again."
        )
    revoked = visit.request.query_params.get("revoked", "")
    if revoked.isalnum() and len(revoked) == 8:
        return f"Token {revoked} is revoked."
    return None


@post("/projects/{project_id:str}/tokens", include_in_schema=False)
async def mint(visit: VisitDependency, project_id: FromPath[str]) -> Response[Any]:
    project = await visit.project(project_id, "manager")
    form = await visit.form()
    if not _used.spend(str(form.get("form_id", ""))):
        return see_other(f"/console/projects/{project.id}/tokens?reposted=1")
    name, map_text = str(form.get("name", ""))[:512], str(form.get("status_map", ""))
    try:
        checked = check_new_token(NewToken(name=name, status_map=parse_status_map(map_text)))
    except InvalidInput as exc:
        return await _page(visit, project, 400, errors=exc.errors, name=name, map_text=map_text)
    services, user = visit.services, visit.user
    check_mint_rate(services.mint_limiter, user.id, services.clock.monotonic())
    source_ip = client_ip(visit.request, services.settings)
    minted = await services.db.write(
        lambda conn: mint_token(
            conn,
            project.id,
            user,
            checked,
            services.clock,
            backfill_minutes=services.settings.backfill_minutes,
            source_ip=source_ip,
        )
    )
    return await _page(visit, project, 201, minted=minted)


@get("/projects/{project_id:str}/tokens/{token_id:str}/revoke", include_in_schema=False)
async def confirm_revoke(
    visit: VisitDependency, project_id: FromPath[str], token_id: FromPath[str]
) -> Response[Any]:
    project = await visit.project(project_id, "manager")
    token = await visit.services.db.read(lambda conn: read_token(conn, project.id, token_id))
    return visit.render("revoke.html", project=project, section="tokens", token=token)


@post("/projects/{project_id:str}/tokens/{token_id:str}/revoke", include_in_schema=False)
async def revoke(
    visit: VisitDependency, project_id: FromPath[str], token_id: FromPath[str]
) -> Response[Any]:
    project = await visit.project(project_id, "manager")
    await visit.form()
    services, user = visit.services, visit.user
    token = await services.db.read(lambda conn: read_token(conn, project.id, token_id))
    source_ip = client_ip(visit.request, services.settings)
    await revoke_token_now(services, project.id, user, token_id, source_ip=source_ip)
    return see_other(f"/console/projects/{project.id}/tokens?revoked={token.token_prefix}")


routes = [tokens_page, draft, mint, confirm_revoke, revoke]

"""The audit log of a project's API tokens, and its chain check (SPEC 5)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.openapi.spec import OpenAPIType
from litestar.params import FromPath, Parameter

from server import audit_log
from server.audit import ACTIONS
from server.audit_log import AuditPage, ChainReport
from server.http.auth import (
    AUTHENTICATED,
    AppServices,
    CurrentUser,
    parse_project_id,
    project_for,
    require_role,
)
from server.http.openapi import INVALID, member_route, role_route
from server.http.paging import next_url
from server.roles import at_least

LOG_PATH = "/api/v1/projects/{project_id:str}/api-token-audit/"

# The parameters arrive as text and are checked by the domain (server/audit_log.py), so its
# 400s name the parameter and the rule; the schema still documents what they must be.
_INTEGER: dict[str, Any] = {"one_of": None, "type": OpenAPIType.INTEGER}
_STRING: dict[str, Any] = {"one_of": None, "type": OpenAPIType.STRING}

Limit = Annotated[
    str | None,
    Parameter(
        description="Entries per page, 1-500 (default 50).",
        schema_extra={**_INTEGER, "minimum": 1, "maximum": 500, "default": 50},
    ),
]
Before = Annotated[
    str | None,
    Parameter(
        description="Cursor: only entries with a smaller id (take it from `next`).",
        schema_extra={**_INTEGER, "minimum": 1},
    ),
]
ActionFilter = Annotated[
    str | None,
    Parameter(
        description="Only entries of this action.",
        schema_extra={**_STRING, "enum": list(ACTIONS)},
    ),
]
PrefixFilter = Annotated[
    str | None,
    Parameter(
        description="Only entries of the token with this prefix (8 lowercase hex).",
        schema_extra={**_STRING, "pattern": "^[0-9a-f]{8}$"},
    ),
]


@get(
    LOG_PATH,
    tags=["audit"],
    dependencies=AUTHENTICATED,
    responses=member_route({400: INVALID}),
)
async def audit_entries(
    request: Request[Any, Any, Any],
    services: AppServices,
    user: CurrentUser,
    project_id: FromPath[str],
    limit: Limit = None,
    before: Before = None,
    action: ActionFilter = None,
    token_prefix: PrefixFilter = None,
) -> AuditPage:
    """The project's token audit log, newest first (any member).

    Each entry: `{id, action, token_prefix, actor: {id, email} | null, source_ip, detail,
    created_at}`. `source_ip` is shown to managers and owners and is null for everyone
    else. `next` is the URL of the following page (same limit and filters, `before` = the
    last id of this page), or null on the last page.
    """
    project = parse_project_id(project_id)
    role = await require_role(services, project, user, "viewer")
    query = audit_log.parse_query(limit, before, action, token_prefix)
    path = LOG_PATH.replace("{project_id:str}", project)
    show_ip = at_least(role, "manager")
    page = await services.db.read(
        lambda conn: audit_log.read_page(conn, project, query, path, show_ip)
    )
    # The domain links by path (the console's use); the API answers with the absolute URL,
    # built like every other list's.
    following = page.results[-1].id if page.next is not None else None
    return AuditPage(page.results, next_url(request, following))


@get(
    LOG_PATH + "verify/",
    tags=["audit"],
    dependencies=AUTHENTICATED,
    responses=role_route(),
)
async def verify_audit_chain(
    services: AppServices, user: CurrentUser, project_id: FromPath[str]
) -> ChainReport:
    """Recompute the project's hash chain from its first entry (managers and owners).

    Answers `{ok, entries_checked, first_broken: {id, reason} | null, head: {id, hash} |
    null}`. The check stops at the first entry that does not match: `first_broken` names
    it and why (its `prev_hash` is not the previous entry's hash, or its `hash` is not the
    hash of its content), and `entries_checked` counts the entries read up to and including
    it. When every entry matches, `ok` is true and `head` is the newest entry's id and hash:
    keep it somewhere else to detect later removal of the newest entries, which a chain
    alone cannot reveal. An empty log is `ok` with nothing checked.
    """
    project = await project_for(services, project_id, user, "manager")
    return await audit_log.verify_chain(services.db, project)


routes = [audit_entries, verify_audit_chain]

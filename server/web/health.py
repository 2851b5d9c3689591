"""Sync health page (SPEC 4.3, 4.4, 4.6, 10): what a manager needs to fix a project's sync.

- parked emails with their task counts, and "add member" for managers;
- unmapped statuses, with a ready `status_map` snippet to mint a token with;
- the last pushes, from the audit log;
- rate-limit headroom per live token. The window is per project, shared by its tokens;
  what differs per token is its limit (the backfill limit while it is young).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Response, get
from litestar.params import FromPath

from server import audit_log
from server.clock import parse_time
from server.projects import pending_assignees, project_detail
from server.ratelimit import Decision, push_limit
from server.roles import ROLES
from server.tokens import TokenInfo, list_tokens
from server.web.visit import Visit, VisitDependency

LAST_PUSHES = 10


@dataclass(frozen=True)
class Headroom:
    token: TokenInfo
    in_backfill: bool
    decision: Decision


def headroom(visit: Visit, project_id: str, tokens: list[TokenInfo]) -> list[Headroom]:
    """What the limiter would answer each live token's next push, without counting one."""
    services = visit.services
    settings, now = services.settings, services.clock.now()
    rows = []
    for token in tokens:
        if token.revoked_at:
            continue
        backfill_until = parse_time(token.backfill_until)
        in_backfill = now < backfill_until
        limit = push_limit(settings, backfill_until, now)
        decision = services.limiter.peek(project_id, limit, services.clock.monotonic())
        rows.append(Headroom(token, in_backfill, decision))
    return rows


def status_map_snippet(statuses: list[str]) -> str:
    """A map to paste into the mint form: each missed status, to a status to choose."""
    return json.dumps({value: "NOT_STARTED" for value in statuses}, indent=2)


async def _reads(visit: Visit, project_id: str, user_id: str) -> tuple[Any, ...]:
    def read(conn: Any) -> tuple[Any, ...]:
        query = audit_log.AuditQuery(limit=LAST_PUSHES, action="used")
        return (
            project_detail(conn, project_id, user_id),
            pending_assignees(conn, project_id),
            list_tokens(conn, project_id),
            audit_log.read_page(conn, project_id, query, "", False),
        )

    return await visit.services.db.read(read)


@get("/projects/{project_id:str}/health", include_in_schema=False)
async def health_page(visit: VisitDependency, project_id: FromPath[str]) -> Response[Any]:
    project = await visit.project(project_id)
    detail, parked, tokens, pushes = await _reads(visit, project.id, visit.user.id)
    unmapped = [item.status for item in detail.unmapped_statuses]
    snippet = status_map_snippet(unmapped) if unmapped else ""
    added = visit.request.query_params.get("added")
    return visit.render(
        "health.html",
        project=project,
        section="health",
        parked=parked,
        unmapped=detail.unmapped_statuses,
        snippet=snippet,
        mint_link=urlencode({"status_map": snippet}),
        pushes=pushes.results,
        headroom=headroom(visit, project.id, tokens),
        window=visit.services.settings.rate_window_seconds,
        roles=ROLES,
        notice=f"{added} is now a member; their parked tasks are assigned." if added else None,
    )


routes = [health_page]

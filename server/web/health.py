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

from litestar import Response, get
from litestar.params import FromPath

from server import audit_log
from server.clock import parse_time
from server.projects import UnmappedStatus, pending_assignees, project_detail
from server.ratelimit import Decision, push_limit
from server.roles import ROLES
from server.storage import projects as project_store
from server.tokens import TokenInfo, list_tokens
from server.web.visit import Visit, VisitDependency

LAST_PUSHES = 10
# The snippet covers the statuses seen most often, not all of them: a token's map takes at
# most `MAX_MAP_ENTRIES` (200), and the snippet travels in a form to the tokens page.
SNIPPET_STATUSES = 50


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


def most_seen(unmapped: list[UnmappedStatus], limit: int = SNIPPET_STATUSES) -> list[str]:
    """The `limit` distinct statuses pushed most often (the latest first among equals)."""
    ranked = sorted(unmapped, key=lambda item: (item.count, item.last_seen_at), reverse=True)
    chosen: dict[str, None] = {}
    for item in ranked:
        if len(chosen) == limit:
            break
        chosen.setdefault(item.status, None)
    return list(chosen)


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
            project_store.unmapped_status_count(conn, project_id),
        )

    return await visit.services.db.read(read)


@get("/projects/{project_id:str}/health", include_in_schema=False)
async def health_page(visit: VisitDependency, project_id: FromPath[str]) -> Response[Any]:
    project = await visit.project(project_id)
    detail, parked, tokens, pushes, unmapped_total = await _reads(
        visit, project.id, visit.user.id
    )
    in_snippet = most_seen(detail.unmapped_statuses)
    snippet = status_map_snippet(in_snippet) if in_snippet else ""
    added = visit.request.query_params.get("added")
    return visit.render(
        "health.html",
        project=project,
        section="health",
        parked=parked,
        unmapped=detail.unmapped_statuses,
        snippet=snippet,
        snippet_size=len(in_snippet),
        snippet_is_partial=unmapped_total > SNIPPET_STATUSES,
        unmapped_total=unmapped_total,
        pushes=pushes.results,
        headroom=headroom(visit, project.id, tokens),
        window=visit.services.settings.rate_window_seconds,
        roles=ROLES,
        notice=f"{added} is now a member; their parked tasks are assigned." if added else None,
    )


routes = [health_page]

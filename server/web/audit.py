"""Audit log page (SPEC 5, 10): paged and filtered like the API, source IPs shown only to
managers and owners, and the chain check for managers."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.params import FromPath

from server import audit_log
from server.audit import ACTIONS
from server.web.visit import Visit, VisitDependency

PAGE = "/console/projects/{}/audit"


def _param(visit: Visit, name: str) -> str | None:
    return visit.request.query_params.get(name) or None


async def _page(visit: Visit, project_id: str, **context: Any) -> Response[Any]:
    project = await visit.project(project_id)
    query = audit_log.parse_query(
        _param(visit, "limit"),
        _param(visit, "before"),
        _param(visit, "action"),
        _param(visit, "token_prefix"),
    )
    path = PAGE.format(project.id)
    show_ip = project.can("manager")
    page = await visit.services.db.read(
        lambda conn: audit_log.read_page(conn, project.id, query, path, show_ip)
    )
    return visit.render(
        "audit.html",
        project=project,
        section="audit",
        page=page,
        query=query,
        actions=ACTIONS,
        show_ip=show_ip,
        **context,
    )


@get("/projects/{project_id:str}/audit", include_in_schema=False)
async def audit_page(visit: VisitDependency, project_id: FromPath[str]) -> Response[Any]:
    return await _page(visit, project_id)


@get("/projects/{project_id:str}/audit/verify", include_in_schema=False)
async def verify(visit: VisitDependency, project_id: FromPath[str]) -> Response[Any]:
    project = await visit.project(project_id, "manager")
    report = await audit_log.verify_chain(visit.services.db, project.id)
    return await _page(visit, project.id, report=report)


routes = [audit_page, verify]

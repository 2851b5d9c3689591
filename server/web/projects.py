"""Projects page: the caller's projects and the form to create one (SPEC 1, 10)."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath

from server.errors import InvalidInput
from server.projects import NewProject, create_project, list_projects
from server.web.visit import Visit, VisitDependency, see_other


async def _page(visit: Visit, status: int = 200, **context: Any) -> Response[Any]:
    user_id = visit.user.id
    projects = await visit.services.db.read(lambda conn: list_projects(conn, user_id))
    return visit.render("projects.html", status=status, projects=projects, **context)


@get("/", include_in_schema=False)
async def projects_page(visit: VisitDependency) -> Response[Any]:
    return await _page(visit)


@post("/projects", include_in_schema=False)
async def create(visit: VisitDependency) -> Response[Any]:
    form = await visit.form()
    new = NewProject(name=str(form.get("name", ""))[: 4 * 200])
    services, user_id = visit.services, visit.user.id
    try:
        project = await services.db.write(
            lambda conn: create_project(conn, new, user_id, services.clock)
        )
    except InvalidInput as exc:
        return await _page(visit, 400, errors=exc.errors, name=new.name)
    return see_other(f"/console/projects/{project.id}/backlog")


@get("/projects/{project_id:str}", include_in_schema=False)
async def project_home(visit: VisitDependency, project_id: FromPath[str]) -> Response[Any]:
    project = await visit.project(project_id)
    return see_other(f"/console/projects/{project.id}/backlog")


routes = [projects_page, create, project_home]

"""Members page (SPEC 1, 10): list; add by email, change role, remove (managers).

The membership rules (who may make an owner, the last owner) live in `server.members` and
are checked inside each write, exactly as for the API.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath

from server.errors import InvalidInput
from server.members import (
    MemberPatch,
    NewMember,
    add_member,
    change_role,
    list_members,
    remove_member,
)
from server.roles import ROLES
from server.web.visit import ProjectView, Visit, VisitDependency, see_other

PAGE = "/console/projects/{}/members"


async def _page(
    visit: Visit, project: ProjectView, status: int = 200, **context: Any
) -> Response[Any]:
    members = await visit.services.db.read(lambda conn: list_members(conn, project.id))
    return visit.render(
        "members.html",
        status=status,
        project=project,
        section="members",
        members=members,
        roles=ROLES,
        **context,
    )


@get("/projects/{project_id:str}/members", include_in_schema=False)
async def members_page(visit: VisitDependency, project_id: FromPath[str]) -> Response[Any]:
    project = await visit.project(project_id)
    added = visit.request.query_params.get("added")
    notice = f"{added} is now a member." if added else None
    return await _page(
        visit, project, notice=notice, email=visit.request.query_params.get("email")
    )


@post("/projects/{project_id:str}/members", include_in_schema=False)
async def add(visit: VisitDependency, project_id: FromPath[str]) -> Response[Any]:
    project = await visit.project(project_id, "manager")
    form = await visit.form()
    new = NewMember(
        email=str(form.get("email", ""))[:320], role=str(form.get("role", "member"))
    )
    services, user = visit.services, visit.user
    try:
        member = await services.db.write(
            lambda conn: add_member(conn, project.id, user, new, services.clock)
        )
    except InvalidInput as exc:
        return await _page(visit, project, 400, errors=exc.errors, email=new.email)
    back = str(form.get("back", ""))
    if back == "health":
        return see_other(f"/console/projects/{project.id}/health?added={member.email}")
    return see_other(PAGE.format(project.id) + f"?added={member.email}")


@post("/projects/{project_id:str}/members/{user_id:str}/role", include_in_schema=False)
async def set_role(
    visit: VisitDependency, project_id: FromPath[str], user_id: FromPath[str]
) -> Response[Any]:
    project = await visit.project(project_id, "manager")
    form = await visit.form()
    patch = MemberPatch(role=str(form.get("role", "")))
    services, user = visit.services, visit.user
    try:
        await services.db.write(
            lambda conn: change_role(conn, project.id, user, user_id, patch)
        )
    except InvalidInput as exc:
        return await _page(visit, project, 400, errors=exc.errors)
    return see_other(PAGE.format(project.id))


@post("/projects/{project_id:str}/members/{user_id:str}/remove", include_in_schema=False)
async def remove(
    visit: VisitDependency, project_id: FromPath[str], user_id: FromPath[str]
) -> Response[Any]:
    # Anyone may leave on their own; removing someone else needs a manager (server.members).
    project = await visit.project(project_id)
    await visit.form()
    services, user = visit.services, visit.user
    await services.db.write(lambda conn: remove_member(conn, project.id, user, user_id))
    if user_id == user.id:
        return see_other("/console/")
    return see_other(PAGE.format(project.id))


routes = [members_page, add, set_role, remove]

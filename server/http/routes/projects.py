"""Projects (SPEC 1): create, list mine, the detail, and the parked emails (SPEC 4.4)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath

from server.http.auth import (
    AUTHENTICATED,
    AppServices,
    CurrentUser,
    parse_project_id,
    project_for,
)
from server.http.body import decode, read_body
from server.http.openapi import (
    BODY,
    UNAUTHENTICATED,
    UNAVAILABLE,
    json_body,
    member_route,
    problems,
)
from server.projects import (
    NewProject,
    PendingAssignee,
    Project,
    ProjectDetail,
    create_project,
    list_projects,
    pending_assignees,
    project_detail,
)

TAGS = ["projects"]


class ProjectList(msgspec.Struct, frozen=True):
    results: list[Project]


class PendingAssigneeList(msgspec.Struct, frozen=True):
    results: list[PendingAssignee]


_new_project = msgspec.json.Decoder(NewProject)


@post(
    "/api/v1/projects/",
    operation_class=json_body(NewProject),
    tags=TAGS,
    dependencies=AUTHENTICATED,
    responses=problems({**BODY, 401: UNAUTHENTICATED, 503: UNAVAILABLE}),
)
async def create(
    request: Request[Any, Any, Any], services: AppServices, user: CurrentUser
) -> Project:
    """Create a project; the caller becomes its owner."""
    new = decode(await read_body(request), _new_project, ("name",))
    return await services.db.write(
        lambda conn: create_project(conn, new, user.id, services.clock)
    )


@get(
    "/api/v1/projects/",
    tags=TAGS,
    dependencies=AUTHENTICATED,
    responses=problems({401: UNAUTHENTICATED, 503: UNAVAILABLE}),
)
async def list_mine(services: AppServices, user: CurrentUser) -> ProjectList:
    """The caller's projects, newest first, each with the caller's role."""
    return ProjectList(await services.db.read(lambda conn: list_projects(conn, user.id)))


@get(
    "/api/v1/projects/{project_id:str}/",
    tags=TAGS,
    dependencies=AUTHENTICATED,
    responses=member_route(),
)
async def detail(
    project_id: FromPath[str], services: AppServices, user: CurrentUser
) -> ProjectDetail:
    """The project with its members, unresolved assignee count and unmapped statuses."""
    project = parse_project_id(project_id)
    return await services.db.read(lambda conn: project_detail(conn, project, user.id))


@get(
    "/api/v1/projects/{project_id:str}/pending-assignees/",
    tags=TAGS,
    dependencies=AUTHENTICATED,
    responses=member_route(),
)
async def pending(
    project_id: FromPath[str], services: AppServices, user: CurrentUser
) -> PendingAssigneeList:
    """Each email parked on the project's tasks with how many tasks park it, most first."""
    project = await project_for(services, project_id, user, "viewer")
    return PendingAssigneeList(
        await services.db.read(lambda conn: pending_assignees(conn, project))
    )


routes = [create, list_mine, detail, pending]

"""Sprints (SPEC 6): create (manager) and list (any member)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath

from server.http.auth import (
    AUTHENTICATED,
    AppServices,
    CurrentUser,
    project_for,
)
from server.http.body import decode, read_body
from server.http.openapi import BODY, json_body, member_route, role_route
from server.sprints import NewSprint, Sprint, check_sprint, create_sprint, list_sprints

TAGS = ["sprints"]
PATH = "/api/v1/projects/{project_id:str}/sprints/"


class SprintList(msgspec.Struct, frozen=True):
    results: list[Sprint]


_new_sprint = msgspec.json.Decoder(NewSprint)


@post(
    PATH,
    operation_class=json_body(NewSprint),
    tags=TAGS,
    dependencies=AUTHENTICATED,
    responses=role_route(BODY),
)
async def create(
    project_id: FromPath[str],
    request: Request[Any, Any, Any],
    services: AppServices,
    user: CurrentUser,
) -> Sprint:
    """Create a sprint (manager): `{name, start, end}`, dates as YYYY-MM-DD, end ≥ start."""
    project = await project_for(services, project_id, user, "manager")
    new = check_sprint(decode(await read_body(request), _new_sprint, ("name", "start", "end")))
    return await services.db.write(
        lambda conn: create_sprint(conn, project, new, services.clock)
    )


@get(PATH, tags=TAGS, dependencies=AUTHENTICATED, responses=member_route())
async def list_all(
    project_id: FromPath[str], services: AppServices, user: CurrentUser
) -> SprintList:
    """The project's sprints in calendar order (any member)."""
    project = await project_for(services, project_id, user, "viewer")
    return SprintList(await services.db.read(lambda conn: list_sprints(conn, project)))


routes = [create, list_all]

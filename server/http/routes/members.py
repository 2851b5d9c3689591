"""Project members (SPEC 1): list, add by email, change a role, remove."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, delete, get, patch, post
from litestar.params import FromPath

from server.http.auth import (
    AUTHENTICATED,
    AppServices,
    CurrentUser,
    parse_project_id,
    project_for,
)
from server.http.body import decode, read_body
from server.http.openapi import BODY, json_body, member_route, role_route
from server.members import (
    Member,
    MemberPatch,
    NewMember,
    add_member,
    change_role,
    list_members,
    remove_member,
)

TAGS = ["members"]
PATH = "/api/v1/projects/{project_id:str}/members/"
ONE = PATH + "{user_id:str}/"

NO_MEMBER = "No such project or no such member (non-members see no project)."
LAST_OWNER = "The change would leave the project without an owner."


class MemberList(msgspec.Struct, frozen=True):
    results: list[Member]


_new_member = msgspec.json.Decoder(NewMember)
_member_patch = msgspec.json.Decoder(MemberPatch)


@get(PATH, tags=TAGS, dependencies=AUTHENTICATED, responses=member_route())
async def list_all(
    project_id: FromPath[str], services: AppServices, user: CurrentUser
) -> MemberList:
    """The project's members, in the order they joined (any member)."""
    project = await project_for(services, project_id, user, "viewer")
    return MemberList(await services.db.read(lambda conn: list_members(conn, project)))


@post(
    PATH,
    operation_class=json_body(NewMember),
    tags=TAGS,
    dependencies=AUTHENTICATED,
    responses=role_route({**BODY, 409: "The user is already a member."}),
)
async def add(
    project_id: FromPath[str],
    request: Request[Any, Any, Any],
    services: AppServices,
    user: CurrentUser,
) -> Member:
    """Add an existing user by email (manager; only an owner adds an owner).

    Tasks whose link parks this user's email and that have no assignee are assigned to them
    in the same write.
    """
    project = await project_for(services, project_id, user, "manager")
    new = decode(await read_body(request), _new_member, ("email", "role"))
    return await services.db.write(
        lambda conn: add_member(conn, project, user, new, services.clock)
    )


@patch(
    ONE,
    operation_class=json_body(MemberPatch),
    tags=TAGS,
    dependencies=AUTHENTICATED,
    responses=role_route({**BODY, 404: NO_MEMBER, 409: LAST_OWNER}),
)
async def change(
    project_id: FromPath[str],
    user_id: FromPath[str],
    request: Request[Any, Any, Any],
    services: AppServices,
    user: CurrentUser,
) -> Member:
    """Change a member's role (manager; only an owner makes or demotes an owner)."""
    project = await project_for(services, project_id, user, "viewer")
    body = decode(await read_body(request), _member_patch, ("role",))
    return await services.db.write(lambda conn: change_role(conn, project, user, user_id, body))


@delete(
    ONE,
    tags=TAGS,
    dependencies=AUTHENTICATED,
    responses=role_route({404: NO_MEMBER, 409: LAST_OWNER}),
)
async def remove(
    project_id: FromPath[str], user_id: FromPath[str], services: AppServices, user: CurrentUser
) -> None:
    """Remove a member (manager; only an owner removes an owner). Anyone may leave."""
    project = parse_project_id(project_id)
    await services.db.write(lambda conn: remove_member(conn, project, user, user_id))


routes = [list_all, add, change, remove]

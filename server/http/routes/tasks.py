"""Tasks (SPEC 6): the backlog, one task, a person's edit, and the task's history."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get, patch
from litestar.params import FromPath, QueryParameter

from server.http.auth import (
    AUTHENTICATED,
    AppServices,
    CurrentUser,
    project_for,
)
from server.http.body import decode, read_body
from server.http.openapi import BODY, INVALID, json_body, member_route, role_route
from server.http.paging import next_url
from server.tasks import (
    DEFAULT_PAGE,
    MAX_PAGE,
    PATCH_FIELDS,
    HistoryEntry,
    Task,
    TaskDetail,
    TaskFilters,
    TaskPatch,
    list_tasks,
    patch_task,
    task_detail,
    task_history,
)

TAGS = ["tasks"]
PATH = "/api/v1/projects/{project_id:str}/tasks/"
ONE = PATH + "{task_id:str}/"
NO_TASK = "No such project or no such task in it (non-members see no project)."


class TaskList(msgspec.Struct, frozen=True):
    results: list[Task]
    next: str | None  # the URL of the following page


class HistoryList(msgspec.Struct, frozen=True):
    results: list[HistoryEntry]


_task_patch = msgspec.json.Decoder(TaskPatch)


@get(PATH, tags=TAGS, dependencies=AUTHENTICATED, responses=member_route({400: INVALID}))
async def list_all(
    project_id: FromPath[str],
    request: Request[Any, Any, Any],
    services: AppServices,
    user: CurrentUser,
    status: Annotated[str | None, QueryParameter(description="an internal status")] = None,
    source: Annotated[str | None, QueryParameter(max_length=64)] = None,
    sprint: Annotated[
        str | None,
        QueryParameter(description="a sprint id of this project, or `none` for the backlog"),
    ] = None,
    q: Annotated[
        str | None, QueryParameter(max_length=512, description="name contains")
    ] = None,
    before: Annotated[
        str | None, QueryParameter(description="a task id: the page after it")
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> TaskList:
    """The project's tasks, newest first, filtered and paged by `before=<task id>`."""
    project = await project_for(services, project_id, user, "viewer")
    filters = TaskFilters(status, source, sprint, q, before, limit)
    page = await services.db.read(lambda conn: list_tasks(conn, project, filters))
    return TaskList(page.results, next_url(request, page.next_before))


@get(ONE, tags=TAGS, dependencies=AUTHENTICATED, responses=member_route({404: NO_TASK}))
async def read(
    project_id: FromPath[str], task_id: FromPath[str], services: AppServices, user: CurrentUser
) -> TaskDetail:
    """One task with the ids of its children."""
    project = await project_for(services, project_id, user, "viewer")
    return await services.db.read(lambda conn: task_detail(conn, project, task_id))


@patch(
    ONE,
    operation_class=json_body(TaskPatch),
    tags=TAGS,
    dependencies=AUTHENTICATED,
    responses=role_route({**BODY, 404: NO_TASK}),
)
async def edit(
    project_id: FromPath[str],
    task_id: FromPath[str],
    request: Request[Any, Any, Any],
    services: AppServices,
    user: CurrentUser,
) -> TaskDetail:
    """Change name, status, assignee, sprint or story points (member); one history entry."""
    project = await project_for(services, project_id, user, "member")
    body = decode(await read_body(request), _task_patch, PATCH_FIELDS)
    return await services.db.write(
        lambda conn: patch_task(conn, project, task_id, user, body, services.clock)
    )


@get(
    ONE + "history/",
    tags=TAGS,
    dependencies=AUTHENTICATED,
    responses=member_route({404: NO_TASK}),
)
async def history(
    project_id: FromPath[str], task_id: FromPath[str], services: AppServices, user: CurrentUser
) -> HistoryList:
    """Every change to the task, oldest first: who (a person or a token prefix) and what."""
    project = await project_for(services, project_id, user, "viewer")
    return HistoryList(
        await services.db.read(lambda conn: task_history(conn, project, task_id))
    )


routes = [list_all, read, edit, history]

"""Backlog page (SPEC 6, 10): the project's tasks as a tree, filtered by status, source and
sprint; a member changes a task's status and sprint in place.

The tree is built from one page of tasks (the API's `list_tasks`, at its page maximum): a
child whose parent is not on the page (filtered out, or on another page) is shown at the top
level with its parent's short id, so no task is ever hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from litestar import Response, get, post
from litestar.params import FromPath

from server.sprints import list_sprints
from server.statuses import STATUSES
from server.tasks import MAX_PAGE, Task, TaskFilters, TaskPatch, list_tasks, patch_task
from server.web.visit import VisitDependency, see_other

FILTERS = ("status", "source", "sprint", "q")


@dataclass
class Node:
    task: Task
    children: list[Node] = field(default_factory=list)
    parent_short_id: str | None = None  # set when the parent is not on this page


def task_tree(tasks: list[Task]) -> list[Node]:
    """Roots in page order (newest first), each child under its parent, oldest first."""
    nodes = {task.id: Node(task) for task in tasks}
    roots: list[Node] = []
    for task in reversed(tasks):
        node = nodes[task.id]
        parent = nodes.get(task.parent_id) if task.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    roots.reverse()
    short_ids = {task.id: task.short_id for task in tasks}
    for node in roots:
        if node.task.parent_id:
            node.parent_short_id = short_ids.get(node.task.parent_id, "another page")
    return roots


def _filters(query: dict[str, str]) -> TaskFilters:
    status = query.get("status") or None
    return TaskFilters(
        status=status,
        source=query.get("source") or None,
        sprint=query.get("sprint") or None,
        q=(query.get("q") or "")[:512] or None,
        before=query.get("before") or None,
        limit=MAX_PAGE,
    )


@get("/projects/{project_id:str}/backlog", include_in_schema=False)
async def backlog_page(visit: VisitDependency, project_id: FromPath[str]) -> Response[Any]:
    project = await visit.project(project_id)
    query = {key: visit.request.query_params.get(key, "") for key in (*FILTERS, "before")}
    filters = _filters(query)
    services = visit.services
    page = await services.db.read(lambda conn: list_tasks(conn, project.id, filters))
    sprints = await services.db.read(lambda conn: list_sprints(conn, project.id))
    kept = urlencode({k: v for k, v in query.items() if v and k != "before"})
    next_query = None
    if page.next_before:
        next_query = urlencode(
            {**{k: v for k, v in query.items() if v}, "before": page.next_before}
        )
    return visit.render(
        "backlog.html",
        project=project,
        section="backlog",
        tree=task_tree(page.results),
        count=len(page.results),
        sprints=sprints,
        sprint_names={sprint.id: sprint.name for sprint in sprints},
        sources=sorted({t.link.source for t in page.results if t.link}),
        statuses=STATUSES,
        query=query,
        kept=kept,
        next_query=next_query,
    )


@post("/projects/{project_id:str}/tasks/{task_id:str}", include_in_schema=False)
async def edit_task(
    visit: VisitDependency, project_id: FromPath[str], task_id: FromPath[str]
) -> Response[Any]:
    project = await visit.project(project_id, "member")
    form = await visit.form()
    sprint = str(form.get("sprint_id", ""))
    patch = TaskPatch(status=str(form.get("status", ""))[:64], sprint_id=sprint[:64] or None)
    services, user = visit.services, visit.user
    await services.db.write(
        lambda conn: patch_task(conn, project.id, task_id, user, patch, services.clock)
    )
    # Back to the same filtered view; rebuilt from parsed pairs, so only a query string
    # of known filters can come through.
    pairs = parse_qsl(str(form.get("return_query", "")))
    kept = urlencode([(key, value) for key, value in pairs if key in FILTERS])
    suffix = f"?{kept}" if kept else ""
    return see_other(f"/console/projects/{project.id}/backlog{suffix}#task-{task_id}")


routes = [backlog_page, edit_task]

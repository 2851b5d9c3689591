"""Tasks as people read and edit them (SPEC 6); the push's upsert lives in `sync`.

`Task` and `task_from_row` are the one shape of a task, shared by the API, the console and
the task-sync engineer's code. History entries record each change as `{field, old, new}`,
where `field` is the task's own field name (`name`, `status`, `assignee_id`, `sprint_id`,
`story_points`, …); the actor is `{"user_id", "email"}` for people and `{"token_prefix"}`
for pushes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from server.clock import Clock, isoformat
from server.errors import InvalidInput, NotFound
from server.members import role_in_project
from server.statuses import STATUSES, Status
from server.storage import history, memberships, sprints
from server.storage import task_reads as store
from server.users import User

MAX_NAME = 512
MAX_PAGE = 500
DEFAULT_PAGE = 50
PATCH_FIELDS = ("name", "status", "assignee_id", "sprint_id", "story_points")

Points = Annotated[int, msgspec.Meta(ge=0, le=999)]


class Assignee(msgspec.Struct, frozen=True):
    id: str
    email: str
    name: str


class Link(msgspec.Struct, frozen=True):
    source: str
    external_id: str
    external_url: str | None
    pending_assignee_email: str | None
    parent_external_id: str | None
    updated_at: str | None
    last_synced_at: str


class Task(msgspec.Struct, frozen=True):
    id: str
    short_id: str
    name: str
    description: str | None
    status: Status
    story_points: int | None
    assignee: Assignee | None
    sprint_id: str | None
    parent_id: str | None
    created_at: str
    updated_at: str
    link: Link | None


class TaskDetail(Task, frozen=True):
    children: list[str]


class TaskPage(msgspec.Struct, frozen=True):
    results: list[Task]
    next_before: str | None  # the cursor of the following page, if there is one


class HistoryEntry(msgspec.Struct, frozen=True):
    id: int
    actor: dict[str, Any]
    changes: list[dict[str, Any]]
    created_at: str


class TaskPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=4 * MAX_NAME)] | UnsetType = UNSET
    status: Annotated[str, msgspec.Meta(max_length=64)] | UnsetType = UNSET
    assignee_id: Annotated[str, msgspec.Meta(max_length=64)] | UnsetType | None = UNSET
    sprint_id: Annotated[str, msgspec.Meta(max_length=64)] | UnsetType | None = UNSET
    story_points: Points | UnsetType | None = UNSET


@dataclass(frozen=True)
class TaskFilters:
    status: str | None = None
    source: str | None = None
    sprint: str | None = None  # a sprint id, or "none" for the backlog
    q: str | None = None
    before: str | None = None
    limit: int = DEFAULT_PAGE


def short_id(number: int) -> str:
    return format(number, "08X")


def task_from_row(row: sqlite3.Row) -> Task:
    """A row of `storage.task_reads.TASK_SELECT` as the API shows it."""
    assignee = None
    if row["assignee_id"] is not None:
        assignee = Assignee(row["assignee_id"], row["assignee_email"], row["assignee_name"])
    link = None
    if row["link_task_id"] is not None:
        link = Link(
            source=row["link_source"],
            external_id=row["link_external_id"],
            external_url=row["link_external_url"],
            pending_assignee_email=row["link_pending_assignee_email"],
            parent_external_id=row["link_parent_external_id"],
            updated_at=row["link_updated_at"],
            last_synced_at=row["link_last_synced_at"],
        )
    return Task(
        id=row["id"],
        short_id=short_id(row["number"]),
        name=row["name"],
        description=row["description"],
        status=row["status"],
        story_points=row["story_points"],
        assignee=assignee,
        sprint_id=row["sprint_id"],
        parent_id=row["parent_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        link=link,
    )


def check_status(value: str, field: str = "status") -> Status:
    if value not in STATUSES:
        raise InvalidInput.one(field, f"must be one of {', '.join(STATUSES)}")
    return value  # type: ignore[return-value,unused-ignore]


def list_tasks(conn: sqlite3.Connection, project_id: str, filters: TaskFilters) -> TaskPage:
    query = store.TaskQuery(
        project_id=project_id,
        limit=filters.limit + 1,  # one more tells whether a next page exists
        status=check_status(filters.status) if filters.status is not None else None,
        source=filters.source or None,
        sprint_id=_sprint_filter(conn, project_id, filters.sprint),
        backlog_only=filters.sprint == "none",
        name_contains=filters.q or None,
        before_number=_before_number(conn, project_id, filters.before),
    )
    rows = store.task_rows(conn, query)
    tasks = [task_from_row(row) for row in rows[: filters.limit]]
    more = len(rows) > filters.limit
    return TaskPage(tasks, tasks[-1].id if more and tasks else None)


def _sprint_filter(conn: sqlite3.Connection, project_id: str, sprint: str | None) -> str | None:
    """The sprint id to filter on; None for no filter or the backlog (`none`).

    Another project's sprint is refused like a malformed id, not answered with an empty
    list: the caller is told the filter is wrong instead of that the sprint is empty, and
    nobody learns which sprint ids exist elsewhere.
    """
    if not sprint or sprint == "none":
        return None
    if not sprints.sprint_in_project(conn, project_id, sprint):
        raise InvalidInput.one("sprint", "must be a sprint id of this project or none")
    return sprint


def _before_number(conn: sqlite3.Connection, project_id: str, before: str | None) -> int | None:
    if not before:
        return None
    number = store.task_number(conn, project_id, before)
    if number is None:
        raise InvalidInput.one("before", "is not the id of a task of this project")
    return number


def task_detail(conn: sqlite3.Connection, project_id: str, task_id: str) -> TaskDetail:
    row = store.task_row(conn, project_id, task_id)
    if row is None:
        raise NotFound("No such task in this project.")
    task = task_from_row(row)
    fields = {name: getattr(task, name) for name in task.__struct_fields__}
    return TaskDetail(**fields, children=store.child_ids(conn, task_id))


def task_history(conn: sqlite3.Connection, project_id: str, task_id: str) -> list[HistoryEntry]:
    if store.task_number(conn, project_id, task_id) is None:
        raise NotFound("No such task in this project.")
    return [
        HistoryEntry(
            id=row["id"],
            actor=msgspec.json.decode(row["actor"]),
            changes=msgspec.json.decode(row["changes"]),
            created_at=row["created_at"],
        )
        for row in store.history_rows(conn, task_id)
    ]


def patch_task(
    conn: sqlite3.Connection,
    project_id: str,
    task_id: str,
    actor: User,
    patch: TaskPatch,
    clock: Clock,
) -> TaskDetail:
    """Apply a person's edit; one history entry when something changed, none otherwise."""
    role_in_project(conn, project_id, actor.id, "member")
    row = store.task_row(conn, project_id, task_id)
    if row is None:
        raise NotFound("No such task in this project.")
    wanted = _checked_values(conn, project_id, patch)
    changed = {name: value for name, value in wanted.items() if row[name] != value}
    if changed:
        now = isoformat(clock.now())
        store.update_task(conn, task_id, changed, now)
        changes = [{"field": name, "old": row[name], "new": changed[name]} for name in changed]
        history.add_history(
            conn, task_id, {"user_id": actor.id, "email": actor.email}, changes, now
        )
    return task_detail(conn, project_id, task_id)


def _checked_values(
    conn: sqlite3.Connection, project_id: str, patch: TaskPatch
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if patch.name is not UNSET:
        name = patch.name.strip()
        if not 1 <= len(name) <= MAX_NAME:
            raise InvalidInput.one("name", f"must be 1–{MAX_NAME} characters after trimming")
        values["name"] = name
    if patch.status is not UNSET:
        values["status"] = check_status(patch.status)
    if patch.assignee_id is not UNSET:
        if patch.assignee_id is not None and (
            memberships.role_of(conn, project_id, patch.assignee_id) is None
        ):
            raise InvalidInput.one("assignee_id", "is not a member of this project")
        values["assignee_id"] = patch.assignee_id
    if patch.sprint_id is not UNSET:
        if patch.sprint_id is not None and not sprints.sprint_in_project(
            conn, project_id, patch.sprint_id
        ):
            raise InvalidInput.one("sprint_id", "is not a sprint of this project")
        values["sprint_id"] = patch.sprint_id
    if patch.story_points is not UNSET:
        values["story_points"] = patch.story_points
    return values

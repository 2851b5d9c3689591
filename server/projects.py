"""Projects (SPEC 1): creating one, listing mine, and the detail a manager reads.

The detail carries the two sync-health numbers of SPEC 4.3 and 4.4: how many links park an
email nobody in the project has, and which external statuses the status maps miss.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Annotated

import msgspec

from server.clock import Clock, isoformat
from server.errors import InvalidInput, NotFound
from server.members import Member, list_members
from server.roles import Role
from server.storage import memberships
from server.storage import projects as store

MAX_NAME = 200


class NewProject(msgspec.Struct, forbid_unknown_fields=True):
    # The length is checked after trimming; this bound only keeps the decoder cheap.
    name: Annotated[str, msgspec.Meta(max_length=4 * MAX_NAME)]


class Project(msgspec.Struct, frozen=True):
    """A project as the caller sees it in a list: with the caller's role."""

    id: str
    name: str
    created_at: str
    role: Role


class UnmappedStatus(msgspec.Struct, frozen=True):
    source: str
    status: str  # as last sent
    normalised: str
    count: int
    last_seen_at: str


class ProjectDetail(msgspec.Struct, frozen=True):
    id: str
    name: str
    created_at: str
    role: Role
    members: list[Member]
    unresolved_assignee_count: int
    unmapped_statuses: list[UnmappedStatus]


class PendingAssignee(msgspec.Struct, frozen=True):
    email: str
    task_count: int


def check_name(name: str) -> str:
    trimmed = name.strip()
    if not 1 <= len(trimmed) <= MAX_NAME:
        raise InvalidInput.one("name", f"must be 1–{MAX_NAME} characters after trimming")
    return trimmed


def create_project(
    conn: sqlite3.Connection, new: NewProject, creator_id: str, clock: Clock
) -> Project:
    """The project and its creator's ownership, in one write."""
    name = check_name(new.name)
    created_at = isoformat(clock.now())
    project_id = str(uuid.uuid4())
    store.insert_project(conn, {"id": project_id, "name": name, "created_at": created_at})
    memberships.insert_membership(conn, project_id, creator_id, "owner", created_at)
    return Project(project_id, name, created_at, "owner")


def list_projects(conn: sqlite3.Connection, user_id: str) -> list[Project]:
    return [
        Project(row["id"], row["name"], row["created_at"], row["role"])
        for row in store.projects_of_user(conn, user_id)
    ]


def project_detail(conn: sqlite3.Connection, project_id: str, user_id: str) -> ProjectDetail:
    row = store.project_by_id(conn, project_id)
    role = memberships.role_of(conn, project_id, user_id)
    if row is None or role is None:
        raise NotFound("No such project.")
    return ProjectDetail(
        id=row["id"],
        name=row["name"],
        created_at=row["created_at"],
        role=role,  # type: ignore[arg-type]
        members=list_members(conn, project_id),
        unresolved_assignee_count=store.unresolved_assignee_count(conn, project_id),
        unmapped_statuses=[
            UnmappedStatus(
                source=item["source"],
                status=item["last_value"],
                normalised=item["status_key"],
                count=item["count"],
                last_seen_at=item["last_seen_at"],
            )
            for item in store.unmapped_statuses(conn, project_id)
        ],
    )


def pending_assignees(conn: sqlite3.Connection, project_id: str) -> list[PendingAssignee]:
    return [
        PendingAssignee(row["email"], row["task_count"])
        for row in store.pending_assignees(conn, project_id)
    ]

"""Project members and their roles (SPEC 1), and what happens when someone joins (SPEC 4.4).

Rules, checked inside the write so two managers acting at once cannot break them:
changing membership needs `manager`; only an owner makes or removes an owner (promoting to
owner and demoting an owner included); the last owner can neither leave nor be demoted.
Anyone may leave a project on their own (removing themselves needs no role).

When a user is added, every unassigned task of the project whose link parks that user's
email gets them as assignee in the same write, with a history entry naming who added them.
"""

from __future__ import annotations

import sqlite3
from typing import Annotated

import msgspec

from server import emails
from server.clock import Clock, isoformat
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.roles import ROLES, Role, at_least
from server.storage import history, task_reads
from server.storage import memberships as store
from server.users import User, find_user


class Member(msgspec.Struct, frozen=True):
    user_id: str
    email: str
    name: str
    role: Role
    created_at: str  # when they joined


class NewMember(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=emails.MAX_LENGTH + 64)]
    role: str = "member"


class MemberPatch(msgspec.Struct, forbid_unknown_fields=True):
    role: str


def member_from_row(row: sqlite3.Row) -> Member:
    return Member(row["user_id"], row["email"], row["name"], row["role"], row["created_at"])


def check_role(value: str) -> Role:
    if value not in ROLES:
        raise InvalidInput.one("role", f"must be one of {', '.join(ROLES)}")
    return value  # type: ignore[return-value,unused-ignore]


def role_in_project(
    conn: sqlite3.Connection, project_id: str, user_id: str, needed: Role
) -> Role:
    """The caller's role: 404 when not a member (existence is not revealed), 403 if too low."""
    role = store.role_of(conn, project_id, user_id)
    if role is None:
        raise NotFound("No such project.")
    if not at_least(role, needed):
        raise Forbidden(f"This needs the {needed} role or above; you are {role}.")
    return role  # type: ignore[return-value]


def list_members(conn: sqlite3.Connection, project_id: str) -> list[Member]:
    return [member_from_row(row) for row in store.members_of(conn, project_id)]


def add_member(
    conn: sqlite3.Connection, project_id: str, actor: User, new: NewMember, clock: Clock
) -> Member:
    actor_role = role_in_project(conn, project_id, actor.id, "manager")
    role = check_role(new.role)
    if role == "owner" and actor_role != "owner":
        raise Forbidden("Only an owner can make someone an owner.")
    user = find_user(conn, new.email)
    if user is None:
        raise InvalidInput.one(
            "email", "no user has this email; an administrator creates the account first"
        )
    if store.role_of(conn, project_id, user.id) is not None:
        raise Conflict(f"{user.email} is already a member of this project.")

    now = isoformat(clock.now())
    store.insert_membership(conn, project_id, user.id, role, now)
    resolve_parked_email(conn, project_id, user, actor, now)
    return Member(user.id, user.email, user.name, role, now)


def resolve_parked_email(
    conn: sqlite3.Connection, project_id: str, joined: User, actor: User, now: str
) -> list[str]:
    """Assign the new member every unassigned task that parks their email (SPEC 4.4)."""
    email_key = emails.key(joined.email)
    actor_json = {"user_id": actor.id, "email": actor.email}
    task_ids = task_reads.unassigned_tasks_parking(conn, project_id, email_key)
    for task_id in task_ids:
        task_reads.assign_parked(conn, task_id, joined.id, now)
        changes = [
            {"field": "assignee_id", "old": None, "new": joined.id},
            {"field": "pending_assignee_email", "old": email_key, "new": None},
        ]
        history.add_history(conn, task_id, actor_json, changes, now)
    return task_ids


def change_role(
    conn: sqlite3.Connection, project_id: str, actor: User, user_id: str, patch: MemberPatch
) -> Member:
    actor_role = role_in_project(conn, project_id, actor.id, "manager")
    role = check_role(patch.role)
    target = _target(conn, project_id, user_id)
    if "owner" in (target["role"], role) and actor_role != "owner":
        raise Forbidden("Only an owner can make or remove an owner.")
    if target["role"] == "owner" and role != "owner":
        _refuse_last_owner(conn, project_id, "demoted")
    store.set_role(conn, project_id, user_id, role)
    return member_from_row(store.member(conn, project_id, user_id))  # type: ignore[arg-type]


def remove_member(conn: sqlite3.Connection, project_id: str, actor: User, user_id: str) -> None:
    leaving = user_id == actor.id
    actor_role = role_in_project(conn, project_id, actor.id, "viewer" if leaving else "manager")
    target = _target(conn, project_id, user_id)
    if target["role"] == "owner":
        if actor_role != "owner":
            raise Forbidden("Only an owner can remove an owner.")
        _refuse_last_owner(conn, project_id, "removed")
    store.delete_membership(conn, project_id, user_id)


def _target(conn: sqlite3.Connection, project_id: str, user_id: str) -> sqlite3.Row:
    row = store.member(conn, project_id, user_id)
    if row is None:
        raise NotFound("No such member of this project.")
    return row


def _refuse_last_owner(conn: sqlite3.Connection, project_id: str, what: str) -> None:
    if store.count_owners(conn, project_id) <= 1:
        raise Conflict(f"The last owner cannot be {what}; make another member an owner first.")

"""The upsert of one push (SPEC 4.2-4.5, 4.7): create or update the task behind a link.

`apply_push(conn, context, push)` is the whole write of a push. It runs as one job on the
database's single writer, so the lookup of the key and the creation of its task cannot
interleave with another push: many first pushes of one key make one task. Dry runs run the
very same function and then roll it back (`DryRun`), so their answer is exactly the real one.

The rules, in the order they apply:

- stale (4.7): `updated_at` older than the link's → acknowledged, nothing changed;
- status (4.3): mapped → set; absent → BACKLOG on create, unchanged on update; unmapped →
  the same as absent, a warning, and a count in `unmapped_statuses`;
- assignee (4.4): a task that has one keeps it; otherwise a matching member is set, or the
  email is parked on the link;
- parent (4.5, `server.parents`): same source only; not found → kept on the link until the
  parent arrives; a cycle → not attached;
- one history entry per push that changed something, and one `used` audit entry.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec
from msgspec import UNSET

from server import parents, statuses
from server.audit import NewEntry
from server.push import Push
from server.storage import audit as audit_store
from server.storage import history
from server.storage import push as store
from server.token_cache import CachedToken

Result = Literal["created", "updated", "unchanged", "stale"]


class PushResult(msgspec.Struct, omit_defaults=True):
    task_id: str
    short_id: str
    created: bool
    assignee_resolved: bool
    status: str
    parent_attached: bool
    warnings: list[str]
    dry_run: bool = False


@dataclass(frozen=True)
class PushContext:
    project_id: str
    token: CachedToken
    source_ip: str | None
    now: str  # the clock's isoformat


@dataclass(frozen=True)
class Outcome:
    result: Result
    answer: PushResult


class DryRun(Exception):
    """Raised at the end of a dry run so the writer rolls the job back; carries the answer."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("dry run")
        self.outcome = outcome


def push_job(
    context: PushContext, push: Push, *, dry_run: bool
) -> Callable[[sqlite3.Connection], Outcome]:
    """The write job of a push; with `dry_run` it raises `DryRun` after doing everything."""

    def job(conn: sqlite3.Connection) -> Outcome:
        outcome = apply_push(conn, context, push)
        if dry_run:
            raise DryRun(outcome)
        return outcome

    return job


@dataclass
class _Draft:
    """What a push will change, gathered before anything is written."""

    task: dict[str, Any] = field(default_factory=dict)
    link: dict[str, Any] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def set_task(self, column: str, old: Any, new: Any) -> None:
        if old != new:
            self.task[column] = new
            self.changes.append({"field": column, "old": old, "new": new})

    def set_link(self, column: str, old: Any, new: Any) -> None:
        if old != new:
            self.link[column] = new
            self.changes.append({"field": column, "old": old, "new": new})


def apply_push(conn: sqlite3.Connection, context: PushContext, push: Push) -> Outcome:
    existing = store.linked_task(conn, context.project_id, push.source, push.external_id)
    if existing is None:
        outcome = _create(conn, context, push)
    elif _is_stale(push, existing):
        outcome = _stale(conn, context, push, existing)
        store.update_link(conn, existing["id"], {}, context.now)
    else:
        outcome = _update(conn, context, push, existing)
    store.mark_token_used(conn, context.token.id, context.now)
    audit_store.append_entry(conn, _used_entry(context, push, outcome.answer))
    return outcome


# Pushed tasks take an id derived from their key, so a dry run of a first push answers with
# the very id the real push will give (a random one would differ). Keys are unique, and
# tasks made by hand take random (version 4) ids, so no two tasks can share one.
_PUSHED_TASKS = uuid.UUID("5b0e4c1e-4a57-4d2b-9a1c-7a5c3e2f9d10")


def task_id_for(project_id: str, source: str, external_id: str) -> str:
    return str(uuid.uuid5(_PUSHED_TASKS, f"{project_id}\n{source}\n{external_id}"))


def short_id(number: int) -> str:
    return f"{number:08X}"


def _create(conn: sqlite3.Connection, context: PushContext, push: Push) -> Outcome:
    draft = _Draft()
    task_id = task_id_for(context.project_id, push.source, push.external_id)
    status = _translate(conn, context, push, draft, on_create=True) or "BACKLOG"
    assignee, resolved = _assignee_on_create(conn, context, push, draft)
    parent_key = push.parent_external_id if isinstance(push.parent_external_id, str) else None
    parent_id = _parent_for(conn, context, push, None, None, draft)
    number = store.next_task_number(conn, context.project_id)
    row = {
        "id": task_id,
        "project_id": context.project_id,
        "number": number,
        "created_at": context.now,
        "updated_at": context.now,
        **_initial_values(push, status, assignee, parent_id),
    }
    store.insert_task(conn, row)
    store.insert_link(conn, _new_link(context, push, task_id, parent_key, draft))
    initial = [
        {"field": key, "old": None, "new": value}
        for key, value in _initial_values(push, status, assignee, parent_id).items()
        if value is not None
    ]
    history.add_history(conn, task_id, _actor(context), initial, context.now)
    draft.warnings += parents.adopt_waiting_children(
        conn, _where(context, push), push.external_id, task_id, _actor(context), context.now
    )
    answer = PushResult(
        task_id=task_id,
        short_id=short_id(number),
        created=True,
        assignee_resolved=resolved,
        status=status,
        parent_attached=parent_id is not None,
        warnings=draft.warnings,
    )
    return Outcome("created", answer)


def _initial_values(
    push: Push, status: str, assignee: str | None, parent_id: str | None
) -> dict[str, Any]:
    return {
        "name": push.name or push.external_id,
        "description": push.description if isinstance(push.description, str) else None,
        "status": status,
        "story_points": push.story_points if isinstance(push.story_points, int) else None,
        "assignee_id": assignee,
        "parent_id": parent_id,
    }


def _new_link(
    context: PushContext, push: Push, task_id: str, parent_key: str | None, draft: _Draft
) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "project_id": context.project_id,
        "source": push.source,
        "external_id": push.external_id,
        "external_url": push.external_url if isinstance(push.external_url, str) else None,
        "pending_assignee_email": draft.link.get("pending_assignee_email"),
        "parent_external_id": parent_key,
        "updated_at": push.updated_at,
        "last_synced_at": context.now,
    }


def _update(
    conn: sqlite3.Connection, context: PushContext, push: Push, existing: sqlite3.Row
) -> Outcome:
    draft = _Draft()
    task_id = existing["id"]
    status, resolved = _plan_update(conn, context, push, existing, draft)
    if draft.task:
        store.update_task(conn, task_id, draft.task, context.now)
    store.update_link(conn, task_id, draft.link, context.now)
    if draft.changes:
        history.add_history(conn, task_id, _actor(context), draft.changes, context.now)

    parent_key = draft.link.get("parent_external_id", existing["parent_external_id"])
    parent_id = draft.task.get("parent_id", existing["parent_id"])
    answer = PushResult(
        task_id=task_id,
        short_id=short_id(existing["number"]),
        created=False,
        assignee_resolved=resolved,
        status=status,
        parent_attached=parents.is_attached(conn, _where(context, push), parent_key, parent_id),
        warnings=draft.warnings,
    )
    return Outcome("updated" if draft.changes else "unchanged", answer)


def _plan_update(
    conn: sqlite3.Connection,
    context: PushContext,
    push: Push,
    existing: sqlite3.Row,
    draft: _Draft,
) -> tuple[str, bool]:
    """Fill `draft` from the fields present; the resulting status and `assignee_resolved`."""
    if push.name is not None:
        draft.set_task("name", existing["name"], push.name)
    if push.description is not UNSET:
        draft.set_task("description", existing["description"], push.description)
    status = _translate(conn, context, push, draft, on_create=False) or existing["status"]
    draft.set_task("status", existing["status"], status)
    if push.story_points is not UNSET:
        draft.set_task("story_points", existing["story_points"], push.story_points)
    if push.external_url is not UNSET:
        draft.set_link("external_url", existing["external_url"], push.external_url)
    resolved = _assignee_on_update(conn, context, push, existing, draft)
    if push.parent_external_id is not UNSET:
        draft.set_link(
            "parent_external_id", existing["parent_external_id"], push.parent_external_id
        )
        parent_id = _parent_for(
            conn, context, push, existing["id"], existing["parent_id"], draft
        )
        draft.set_task("parent_id", existing["parent_id"], parent_id)
    if push.updated_at is not None and push.updated_at != existing["source_updated_at"]:
        draft.link["updated_at"] = push.updated_at
    return status, resolved


def _is_stale(push: Push, existing: sqlite3.Row) -> bool:
    stored = existing["source_updated_at"]
    return push.updated_at is not None and stored is not None and push.updated_at < stored


def _stale(
    conn: sqlite3.Connection, context: PushContext, push: Push, existing: sqlite3.Row
) -> Outcome:
    warning = (
        f"This push's updated_at ({push.updated_at}) is older than the change already "
        f"applied ({existing['source_updated_at']}), so nothing was changed."
    )
    where = _where(context, push)
    return Outcome(
        "stale",
        PushResult(
            task_id=existing["id"],
            short_id=short_id(existing["number"]),
            created=False,
            assignee_resolved=False,
            status=existing["status"],
            parent_attached=parents.is_attached(
                conn, where, existing["parent_external_id"], existing["parent_id"]
            ),
            warnings=[warning],
        ),
    )


def _translate(
    conn: sqlite3.Connection,
    context: PushContext,
    push: Push,
    draft: _Draft,
    *,
    on_create: bool,
) -> str | None:
    """The internal status the push asks for, or None (absent or unmapped)."""
    if push.status is None:
        return None
    found = statuses.translate(push.status, context.token.status_map)
    if found is None:
        outcome = (
            "the task was put in BACKLOG" if on_create else "the status was left as it was"
        )
        draft.warnings.append(
            f"Status {push.status!r} is not mapped to a tasksync status, so {outcome}; "
            "add it to the token's status_map."
        )
        store.count_unmapped_status(
            conn,
            context.project_id,
            push.source,
            statuses.normalise(push.status),
            push.status,
            context.now,
        )
    return found


def _assignee_on_create(
    conn: sqlite3.Connection, context: PushContext, push: Push, draft: _Draft
) -> tuple[str | None, bool]:
    if push.assignee_email is None:
        return None, False
    member = store.member_by_email(conn, context.project_id, push.assignee_email)
    if member is None:
        draft.link["pending_assignee_email"] = push.assignee_email
    return member, member is not None


def _assignee_on_update(
    conn: sqlite3.Connection,
    context: PushContext,
    push: Push,
    existing: sqlite3.Row,
    draft: _Draft,
) -> bool:
    """Whether this push's email matched a member; sets or parks on a task without one."""
    email = push.assignee_email
    member = store.member_by_email(conn, context.project_id, email) if email else None
    if existing["assignee_id"] is not None:
        # A leaked token must not rewrite human ownership (SPEC 4.4).
        return member is not None
    parked = existing["pending_assignee_email"]
    if member is None and email is None and parked is not None:
        # The parked person may have joined since: the next push resolves them.
        member = store.member_by_email(conn, context.project_id, parked)
        if member is None:
            return False
        draft.set_task("assignee_id", None, member)
        draft.set_link("pending_assignee_email", parked, None)
        return False
    if member is not None:
        draft.set_task("assignee_id", None, member)
        draft.set_link("pending_assignee_email", parked, None)
    elif email is not None:
        draft.set_link("pending_assignee_email", parked, email)
    return member is not None


def _parent_for(
    conn: sqlite3.Connection,
    context: PushContext,
    push: Push,
    task_id: str | None,
    current: str | None,
    draft: _Draft,
) -> str | None:
    """The parent task id the push leads to (`current` when it cannot be applied)."""
    key = push.parent_external_id
    if not isinstance(key, str):
        return None  # cleared (null) or, on create, absent
    parent, warning = parents.resolve(conn, _where(context, push), key, task_id, current)
    if warning is not None:
        draft.warnings.append(warning)
    return parent


def _where(context: PushContext, push: Push) -> parents.Where:
    return parents.Where(context.project_id, push.source)


def _actor(context: PushContext) -> dict[str, Any]:
    return {"token_prefix": context.token.token_prefix}


def _used_entry(context: PushContext, push: Push, answer: PushResult) -> NewEntry:
    return NewEntry(
        project_id=context.project_id,
        action="used",
        token_id=context.token.id,
        token_prefix=context.token.token_prefix,
        actor_id=None,
        actor_email=None,
        source_ip=context.source_ip,
        detail={
            "source": push.source,
            "external_id": push.external_id,
            "task_id": answer.task_id,
            "short_id": answer.short_id,
            "created": answer.created,
            "assignee_resolved": answer.assignee_resolved,
            "status": answer.status,
            "warnings": answer.warnings,
        },
        created_at=context.now,
    )

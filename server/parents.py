"""Parents of pushed tasks (SPEC 4.5): same source, same project, any depth, no cycles.

A parent is named by its key in the source. When it has not been pushed yet the key stays on
the child's link, and the parent's first push adopts every child waiting for it. Each rule
answers with the warning sentence a push reports when it could not apply.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from server.storage import history
from server.storage import push as store


@dataclass(frozen=True)
class Where:
    """The project and source a push speaks for; parents never cross either."""

    project_id: str
    source: str


def resolve(
    conn: sqlite3.Connection, where: Where, key: str, task_id: str | None, current: str | None
) -> tuple[str | None, str | None]:
    """The parent id a push naming `key` leads to, and a warning when it cannot attach.

    Not found → no parent (the key waits on the link); a cycle → `current` is kept.
    """
    parent = store.task_id_by_key(conn, where.project_id, where.source, key)
    if parent is None:
        return None, _missing(conn, where, key)
    if task_id is not None and store.is_ancestor_or_self(conn, task_id, parent):
        return current, (
            f"Parent {key!r} was not attached: it is this task or one of its descendants, "
            "so attaching it would make a cycle."
        )
    return parent, None


def _missing(conn: sqlite3.Connection, where: Where, key: str) -> str:
    if store.key_in_other_source(conn, where.project_id, where.source, key):
        return (
            f"Parent {key!r} was not attached: no task from source {where.source!r} has that "
            "id, and a task from another source cannot be a parent."
        )
    return (
        f"Parent {key!r} has not been pushed from source {where.source!r} yet; the task will "
        "be attached to it when it is."
    )


def is_attached(
    conn: sqlite3.Connection, where: Where, key: str | None, parent_id: str | None
) -> bool:
    """Whether the task's parent is the task of `key` (what `parent_attached` reports)."""
    if key is None or parent_id is None:
        return False
    return store.task_id_by_key(conn, where.project_id, where.source, key) == parent_id


def adopt_waiting_children(
    conn: sqlite3.Connection,
    where: Where,
    external_id: str,
    task_id: str,
    actor: dict[str, Any],
    now: str,
) -> list[str]:
    """Attach every task that named this one as its parent before it existed; warnings."""
    warnings = []
    for child in store.waiting_children(conn, where.project_id, where.source, external_id):
        if child["parent_id"] == task_id:
            continue
        if store.is_ancestor_or_self(conn, child["id"], task_id):
            warnings.append(
                "A task waiting for this one as its parent was not attached: it is one of "
                "this task's ancestors, so attaching it would make a cycle."
            )
            continue
        store.update_task(conn, child["id"], {"parent_id": task_id}, now)
        change = {"field": "parent_id", "old": child["parent_id"], "new": task_id}
        history.add_history(conn, child["id"], actor, [change], now)
    return warnings

"""Task statuses and how an external status string becomes one (SPEC 4.3)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

Status = Literal["BACKLOG", "NOT_STARTED", "IN_PROGRESS", "REVIEW", "ON_HOLD", "COMPLETE"]
STATUSES: tuple[Status, ...] = (
    "BACKLOG",
    "NOT_STARTED",
    "IN_PROGRESS",
    "REVIEW",
    "ON_HOLD",
    "COMPLETE",
)

_GROUPS: dict[Status, tuple[str, ...]] = {
    "BACKLOG": ("backlog", "triage", "icebox"),
    "NOT_STARTED": (
        "todo", "to_do", "open", "new", "unstarted", "ready", "reopened",
        "selected_for_development", "not_started",
    ),
    "IN_PROGRESS": ("in_progress", "doing", "started", "active", "indeterminate"),
    "REVIEW": ("review", "in_review", "code_review", "qa", "testing"),
    "ON_HOLD": ("blocked", "on_hold", "paused"),
    "COMPLETE": (
        "done", "closed", "complete", "completed", "resolved", "fixed", "shipped",
        "released", "canceled", "cancelled", "wontfix", "won_t_fix", "not_planned",
        "duplicate",
    ),
}  # fmt: skip

DEFAULT_MAP: Mapping[str, Status] = {
    key: status for status, keys in _GROUPS.items() for key in keys
}

_SEPARATORS = re.compile(r"[\W_]+")


def normalise(value: str) -> str:
    """`"In Progress"`, `"in-progress"` and `" IN_PROGRESS "` are all `in_progress`."""
    return _SEPARATORS.sub("_", value.casefold()).strip("_")


def translate(value: str, status_map: Mapping[str, str]) -> Status | None:
    """The internal status for an external string: the token's map, then the default."""
    key = normalise(value)
    found = status_map.get(key) or DEFAULT_MAP.get(key)
    return found if found in STATUSES else None  # type: ignore[return-value,unused-ignore]


def is_status(value: object) -> bool:
    return value in STATUSES

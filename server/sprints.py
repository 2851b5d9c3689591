"""Sprints (SPEC 6): named date ranges a project's tasks are planned into."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Annotated

import msgspec

from server.clock import Clock, isoformat
from server.errors import FieldError, InvalidInput
from server.storage import sprints as store

MAX_NAME = 200
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class NewSprint(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=4 * MAX_NAME)]
    start: Annotated[str, msgspec.Meta(max_length=32, description="YYYY-MM-DD")]
    end: Annotated[str, msgspec.Meta(max_length=32, description="YYYY-MM-DD")]


@dataclass(frozen=True)
class CheckedSprint:
    name: str
    start: dt.date
    end: dt.date


class Sprint(msgspec.Struct, frozen=True):
    id: str
    name: str
    start: dt.date | None
    end: dt.date | None
    created_at: str


def check_sprint(new: NewSprint) -> CheckedSprint:
    name = new.name.strip()
    problems = []
    if not 1 <= len(name) <= MAX_NAME:
        problems.append(FieldError("name", f"must be 1–{MAX_NAME} characters after trimming"))
    start, end = _day("start", new.start, problems), _day("end", new.end, problems)
    if start is not None and end is not None and end < start:
        problems.append(FieldError("end", "must be on or after start"))
    if problems or start is None or end is None:
        raise InvalidInput(problems)
    return CheckedSprint(name, start, end)


def _day(field: str, value: str, problems: list[FieldError]) -> dt.date | None:
    if _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(FieldError(field, "must be a calendar date written YYYY-MM-DD"))
    return None


def create_sprint(
    conn: sqlite3.Connection, project_id: str, new: CheckedSprint, clock: Clock
) -> Sprint:
    sprint = Sprint(str(uuid.uuid4()), new.name, new.start, new.end, isoformat(clock.now()))
    store.insert_sprint(
        conn,
        {
            "id": sprint.id,
            "project_id": project_id,
            "name": sprint.name,
            "start_date": new.start.isoformat(),
            "end_date": new.end.isoformat(),
            "created_at": sprint.created_at,
        },
    )
    return sprint


def list_sprints(conn: sqlite3.Connection, project_id: str) -> list[Sprint]:
    return [
        Sprint(
            row["id"],
            row["name"],
            _date(row["start_date"]),
            _date(row["end_date"]),
            row["created_at"],
        )
        for row in store.sprints_of(conn, project_id)
    ]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None

"""Sprints (SPEC 6): named date ranges a project's tasks are planned into."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from typing import Annotated

import msgspec

from server.clock import Clock, isoformat
from server.errors import InvalidInput
from server.storage import sprints as store

MAX_NAME = 200


class NewSprint(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=4 * MAX_NAME)]
    start: dt.date
    end: dt.date


class Sprint(msgspec.Struct, frozen=True):
    id: str
    name: str
    start: dt.date | None
    end: dt.date | None
    created_at: str


def check_sprint(new: NewSprint) -> NewSprint:
    name = new.name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput.one("name", f"must be 1–{MAX_NAME} characters after trimming")
    if new.end < new.start:
        raise InvalidInput.one("end", "must be on or after start")
    return NewSprint(name=name, start=new.start, end=new.end)


def create_sprint(
    conn: sqlite3.Connection, project_id: str, new: NewSprint, clock: Clock
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

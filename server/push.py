"""What a push carries, and the rules each field must keep (SPEC 4.1).

`Payload` is the wire shape, decoded strictly (unknown fields are a 400 that lists the
accepted ones). `check_payload` turns it into a `Push`: trimmed, validated, with absent,
empty and null told apart, and every broken rule reported at once rather than the first.
The per-field rules live in code, not in `msgspec.Meta`, because most apply after trimming
and msgspec stops at the first failure.

Absent versus null on an update: `UNSET` leaves a stored value alone; `None` clears
`description`, `story_points`, `external_url` and the parent. For `name`, `status` and
`assignee_email` null means absent, and an empty string means absent for every optional
field (the reference GitHub workflow sends `"assignee_email": ""`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

import msgspec
from msgspec import UNSET, UnsetType

from server import emails
from server.clock import isoformat
from server.errors import FieldError, InvalidInput

MAX_EXTERNAL_ID = 255
MAX_NAME = 512
MAX_DESCRIPTION = 100_000
MAX_STATUS = 64
MAX_STORY_POINTS = 999
MAX_URL = 2000

_SOURCE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_SOURCE_FOLDED = re.compile(r"^[a-z][a-z0-9_]{0,31}$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Notes are multi-line text: tab, line feed and carriage return are theirs.
_NOTES_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# RFC 3339 date-time; the offset may also be written without its colon (`+0000`), as Jira
# does in `fields.updated`, since relays pass that value through.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:?\d{2})$"
)

Optional = str | None | UnsetType


def _doc(text: str, **rules: object) -> msgspec.Meta:
    # `rules` only document (OpenAPI): `check_payload` enforces them with field-named 400s.
    return msgspec.Meta(description=text, extra_json_schema=rules or None)


class Payload(msgspec.Struct, forbid_unknown_fields=True):
    source: Annotated[
        str, _doc("lower-case tool name, `^[a-z][a-z0-9_]{0,31}$`", pattern=_SOURCE.pattern)
    ]
    external_id: Annotated[
        str, _doc("the task's id in the source; 1-255 characters", minLength=1, maxLength=255)
    ]
    name: Annotated[
        Optional, _doc("title; defaults to external_id on create", maxLength=512)
    ] = UNSET
    description: Annotated[
        Optional, _doc("notes, at most 100,000 characters", maxLength=100_000)
    ] = UNSET
    status: Annotated[
        Optional, _doc("the source's status, translated by the map", maxLength=64)
    ] = UNSET
    assignee_email: Annotated[
        Optional, _doc("matched against project members", maxLength=254)
    ] = UNSET
    story_points: Annotated[
        int | float | UnsetType | None, _doc("whole number 0-999", minimum=0, maximum=999)
    ] = UNSET
    external_url: Annotated[
        Optional, _doc("absolute http(s) URL of the task", maxLength=2000)
    ] = UNSET
    parent_external_id: Annotated[
        Optional, _doc("external_id of the parent, same source", maxLength=255)
    ] = UNSET
    updated_at: Annotated[
        Optional, _doc("RFC 3339 time of the change in the source", format="date-time")
    ] = UNSET


ACCEPTED_FIELDS: tuple[str, ...] = Payload.__struct_fields__
DECODER = msgspec.json.Decoder(Payload)


@dataclass(frozen=True)
class Push:
    """A checked payload. `None` in a clearable field means "clear"; UNSET means absent."""

    source: str
    external_id: str
    name: str | None
    description: str | UnsetType | None
    status: str | None
    assignee_email: str | None  # lower-cased
    story_points: int | UnsetType | None
    external_url: str | UnsetType | None
    parent_external_id: str | UnsetType | None
    updated_at: str | None  # normalised to the clock's UTC format, so it sorts as text


def check_payload(payload: Payload) -> Push:
    """The checked push, or an InvalidInput naming every field that broke a rule."""
    problems: list[FieldError] = []

    def report(name: str, why: str | None) -> None:
        if why is not None:
            problems.append(FieldError(name, why))

    report("source", _source_problem(payload.source))
    external_id = payload.external_id.strip()
    report("external_id", _external_id_problem(external_id))
    name = _absent_or_trimmed(payload.name)
    report("name", _too_long(name, MAX_NAME) or _controls(name, _CONTROL))
    description = _clearable(payload.description)
    report(
        "description",
        _too_long(description, MAX_DESCRIPTION) or _controls(description, _NOTES_CONTROL),
    )
    status = _absent_or_trimmed(payload.status)
    report("status", _too_long(status, MAX_STATUS) or _controls(status, _CONTROL))
    email = _absent_or_trimmed(payload.assignee_email)
    if email is not None:
        report("assignee_email", emails.problem_with(email))
    points, why = _story_points(payload.story_points)
    report("story_points", why)
    url = _clearable(payload.external_url, trim=True)
    if isinstance(url, str):
        report("external_url", _url_problem(url))
    parent = _clearable(payload.parent_external_id, trim=True)
    if isinstance(parent, str):
        report("parent_external_id", _parent_problem(parent, external_id))
    updated_at, why = _updated_at(payload.updated_at)
    report("updated_at", why)

    if problems:
        raise InvalidInput(problems)
    return Push(
        source=payload.source,
        external_id=external_id,
        name=name,
        description=description,
        status=status,
        assignee_email=emails.key(email) if email is not None else None,
        story_points=points,
        external_url=url,
        parent_external_id=parent,
        updated_at=updated_at,
    )


def _controls(value: str | UnsetType | None, pattern: re.Pattern[str]) -> str | None:
    # NUL and other control characters truncate or corrupt text in the tools tasks flow to.
    if isinstance(value, str) and pattern.search(value):
        return "must not contain control characters" + (
            " (tab and line breaks are allowed)" if pattern is _NOTES_CONTROL else ""
        )
    return None


def _too_long(value: str | UnsetType | None, limit: int) -> str | None:
    if isinstance(value, str) and len(value) > limit:
        return f"must be at most {limit} characters"
    return None


def _source_problem(source: str) -> str | None:
    if _SOURCE.fullmatch(source):
        return None
    if _SOURCE_FOLDED.fullmatch(source):
        return f"must be lower-case: send {source.lower()!r}, not {source!r}"
    return "must match ^[a-z][a-z0-9_]{0,31}$: a lower-case letter, then a-z, 0-9 or _"


def _external_id_problem(value: str) -> str | None:
    if not value:
        return "must not be empty"
    if len(value) > MAX_EXTERNAL_ID:
        return f"must be at most {MAX_EXTERNAL_ID} characters"
    if _CONTROL.search(value):
        return "must not contain control characters"
    return None


def _parent_problem(parent: str, external_id: str) -> str | None:
    why = _external_id_problem(parent)
    if why is None and parent == external_id:
        return "must differ from external_id (a task cannot be its own parent)"
    return why


def _absent_or_trimmed(value: str | UnsetType | None) -> str | None:
    """Null, empty and absent all mean "not given" for these fields."""
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _clearable(value: str | UnsetType | None, *, trim: bool = False) -> str | UnsetType | None:
    """Null clears; an empty string is the same as absent."""
    if isinstance(value, str):
        text = value.strip() if trim else value
        return text if text.strip() else UNSET
    return value


def _story_points(
    value: int | float | UnsetType | None,
) -> tuple[int | UnsetType | None, str | None]:
    if value is None or value is UNSET:
        return value, None
    assert isinstance(value, int | float)
    if isinstance(value, float) and not value.is_integer():
        return UNSET, "must be a whole number"
    if not 0 <= value <= MAX_STORY_POINTS:
        return UNSET, f"must be between 0 and {MAX_STORY_POINTS}"
    return int(value), None


def _url_problem(url: str) -> str | None:
    if len(url) > MAX_URL:
        return f"must be at most {MAX_URL} characters"
    if _CONTROL.search(url) or any(c.isspace() for c in url):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a URL"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "must be an absolute http or https URL"
    return None


def _updated_at(value: str | UnsetType | None) -> tuple[str | None, str | None]:
    text = _absent_or_trimmed(value)
    if text is None:
        return None, None
    if not _RFC3339.fullmatch(text):
        return None, "must be an RFC 3339 time such as 2026-01-31T09:30:00Z"
    text = text.upper().replace("Z", "+00:00")
    if text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None, "is not a real date and time"
    return isoformat(moment.astimezone(UTC)), None

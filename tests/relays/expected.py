"""`EXPECTED.md` of the shared fixtures, read into dicts: what each fixture must forward."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "webhooks"
FIELDS = (
    *("source", "external_id", "name", "status", "assignee_email", "story_points"),
    *("external_url", "parent_external_id"),
)
_LINE = re.compile(r"^- (\w+/[\w.-]+\.json): (.*)$")
_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|null|[a-z]+)')
# The one line EXPECTED.md leaves to the project's id scheme (a sub-issue that names its
# parent by UUID only): without a Linear API key our relays send no parent (docs/relays.md).
UNDECIDED = object()


def fixture_paths(source: str) -> list[Path]:
    return sorted((FIXTURES / source).glob("*.json"))


_CHANGED_AT = {
    "github": ("issue", "updated_at"),
    "jira": ("issue", "fields", "updated"),
    "linear": ("data", "updatedAt"),
}


def in_source_order(source: str) -> list[Path]:
    """The fixtures in the order their source would have sent them (by change time).

    Jira's `fields.updated` carries its own offset, so instants are compared, not strings;
    a fixture without a change time (a comment event) goes first.
    """

    def changed_at(path: Path) -> datetime:
        value: Any = json.loads(path.read_bytes())
        for key in _CHANGED_AT[source]:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str):
            return datetime.min.replace(tzinfo=UTC)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    return sorted(fixture_paths(source), key=changed_at)


def load_expected() -> dict[str, dict[str, Any] | None]:
    """fixture name (`jira/x.json`) → expected payload fields, or None when not forwarded."""
    expected: dict[str, dict[str, Any] | None] = {}
    for line in (FIXTURES / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        name, rest = match.groups()
        if rest.startswith("not forwarded"):
            expected[name] = None
            continue
        fields: dict[str, Any] = {}
        for key, raw in _PAIR.findall(rest):
            if key in FIELDS and key not in fields:
                fields[key] = json.loads(raw) if raw[0] == '"' or raw == "null" else raw
        for key in FIELDS:
            fields.setdefault(key, UNDECIDED)
        expected[name] = fields
    return expected


def check_against_expected(
    name: str, payload: dict[str, Any] | None, parent: Any = None
) -> None:
    """Assert `payload` is what EXPECTED.md says for fixture `name` (None = not forwarded)."""
    want = load_expected()[name]
    if want is None:
        assert payload is None, f"{name} must not be forwarded"
        return
    assert payload is not None, f"{name} must be forwarded"
    for key, value in want.items():
        if value is UNDECIDED:
            value = parent
        if value is None:
            assert key not in payload, (
                f"{name}: {key} must be left out, got {payload.get(key)!r}"
            )
        else:
            assert payload.get(key) == value, f"{name}: {key}"

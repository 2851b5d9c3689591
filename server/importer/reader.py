"""Reading an import file: which format it is, and the payloads it holds, in push order.

Formats (`FORMATS`), told apart by their shape unless `--format` says:

- `jsonl`: one task-sync payload (SPEC 4.1) per line, sent byte for byte as written, so the
  server judges exactly what the file says. Blank lines are skipped; line numbers are the
  file's own.
- `jira`: a Jira REST search result, `{"issues": [...]}`.
- `github`: the JSON array printed by `gh issue list --json number,title,body,state,
  stateReason,assignees,url,updatedAt,labels`.
- `linear`: a JSON array of Linear issue objects (or a GraphQL answer,
  `{"data": {"issues": {"nodes": [...]}}}`).

Exports are translated by `relays.mappings`, the very mapping every relay runs, so an imported
issue and a webhook about it become the same payload; an export item's number is its
1-based position in the export.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from relays import mappings

FORMATS = ("jsonl", "jira", "github", "linear")

_ENCODER = msgspec.json.Encoder()


class UnreadableInput(ValueError):
    """The file is not one of the formats; the message says what was expected."""


@dataclass(frozen=True)
class Line:
    """One push to make: `body` is sent as is; `problem` says why it cannot be sent at all."""

    number: int
    body: bytes
    payload: Mapping[str, Any] | None
    problem: str | None = None

    def key(self) -> tuple[str, str] | None:
        """(source, external_id), the server's upsert key, when the payload has both."""
        if self.payload is None:
            return None
        source, external_id = self.payload.get("source"), self.payload.get("external_id")
        if isinstance(source, str) and isinstance(external_id, str | int):
            return source, str(external_id).strip()
        return None

    def parent_key(self) -> tuple[str, str] | None:
        key = self.key()
        parent = self.payload.get("parent_external_id") if self.payload else None
        if key is None or not isinstance(parent, str) or not parent.strip():
            return None
        return key[0], parent.strip()


def detect(data: bytes) -> str:
    """The format of a file's contents (see the module doc)."""
    head = data.lstrip()[:1]
    if head == b"[":
        return _detect_array(_decode_whole(data))
    if head == b"{":
        try:
            whole = msgspec.json.decode(data)
        except msgspec.DecodeError:
            return "jsonl"  # several objects, one per line
        if isinstance(whole, dict) and "issues" in whole:
            return "jira"
        if isinstance(whole, dict) and isinstance(whole.get("data"), dict):
            return "linear"
        return "jsonl"
    if not head:
        return "jsonl"
    raise UnreadableInput("expected JSON: JSONL payloads, a Jira search result or a JSON array")


def _decode_whole(data: bytes) -> Any:
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise UnreadableInput(f"the file is not valid JSON: {exc}") from None


def _detect_array(items: Any) -> str:
    first = next((item for item in items if isinstance(item, dict)), None)
    if first is None:
        # Nothing to import either way; an empty export reads the same in every format.
        return "github"
    if "key" in first and "fields" in first:
        return "jira"  # the `issues` of a search result, saved without their envelope
    if "identifier" in first or "team" in first or "estimate" in first:
        return "linear"
    if "number" in first and ("stateReason" in first or "url" in first or "labels" in first):
        return "github"
    if "source" in first and "external_id" in first:
        raise UnreadableInput("a JSON array of payloads: write them one per line (JSONL)")
    raise UnreadableInput(
        "a JSON array, but not of `gh issue list --json` items nor of Linear issues; "
        "use --format to say which"
    )


def read(data: bytes, fmt: str, options: mappings.MappingOptions) -> list[Line]:
    """Every line of the file, in file order; see `push_order` for the order to send."""
    if fmt == "jsonl":
        return list(_jsonl(data))
    return list(_export(data, fmt, options))


def _jsonl(data: bytes) -> Iterable[Line]:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        body = raw.strip()
        if not body:
            continue
        try:
            payload = msgspec.json.decode(body)
        except msgspec.DecodeError as exc:
            yield Line(number, body, None, f"not valid JSON: {exc}")
            continue
        if not isinstance(payload, dict):
            yield Line(number, body, None, "not a JSON object")
            continue
        yield Line(number, body, payload)


def _export(data: bytes, fmt: str, options: mappings.MappingOptions) -> Iterable[Line]:
    document = _decode_whole(data)
    try:
        issues = list(mappings.iter_issues(fmt, document))
    except ValueError as exc:
        raise UnreadableInput(str(exc)) from None
    if fmt == "linear" and not options.linear_parent_ids:
        # Sub-issues exported with only `parentId` name their parent by the export's own ids.
        parents = mappings.linear_parent_ids_of(issues)
        options = _with_linear_parents(options, parents)
    for number, issue in enumerate(issues, start=1):
        payload = mappings.translate(fmt, issue, options)
        if payload is None:
            body = _ENCODER.encode(issue)
            yield Line(number, body, None, f"this {fmt} issue has no id to import it by")
            continue
        yield Line(number, _ENCODER.encode(payload), payload)


def _with_linear_parents(
    options: mappings.MappingOptions, parents: dict[str, str]
) -> mappings.MappingOptions:
    return mappings.MappingOptions(
        story_points_field=options.story_points_field,
        account_emails=options.account_emails,
        assignee_emails=options.assignee_emails,
        points_label_prefix=options.points_label_prefix,
        linear_parent_ids=parents,
    )


def push_order(lines: list[Line]) -> list[Line]:
    """Parents before their children, otherwise file order (SPEC 4.5 attaches either way,
    but a parent pushed first means its children attach on their own push, in one pass).

    A parent is found by (source, parent_external_id) among the file's lines; its first line
    moves up to just before its first child. Missing parents and cycles keep file order.
    """
    first_of: dict[tuple[str, str], int] = {}
    for index, line in enumerate(lines):
        key = line.key()
        if key is not None:
            first_of.setdefault(key, index)

    placed = [False] * len(lines)
    ordered: list[Line] = []
    for index in range(len(lines)):
        for ancestor in reversed(_unplaced_ancestors(lines, index, first_of, placed)):
            placed[ancestor] = True
            ordered.append(lines[ancestor])
    return ordered


def _unplaced_ancestors(
    lines: list[Line], index: int, first_of: dict[tuple[str, str], int], placed: list[bool]
) -> list[int]:
    """`index` and its not yet placed ancestors, child first; stops at a cycle."""
    chain: list[int] = []
    seen: set[int] = set()
    current: int | None = index
    while current is not None and not placed[current] and current not in seen:
        chain.append(current)
        seen.add(current)
        parent = lines[current].parent_key()
        current = first_of.get(parent) if parent is not None else None
    return chain

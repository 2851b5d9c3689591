"""Reading the audit log and checking its chain (SPEC 5).

Reading: newest first, a page of `limit` entries below the cursor `before`, optionally only
one action or one token prefix. `source_ip` is shown to managers and owners only.

Checking: the project's chain is recomputed from its first entry in chunks of `CHUNK` rows,
each chunk one short read, so a log of millions of entries never sits in memory and never
holds a read transaction open for long. The first entry that does not match is reported:

- its `prev_hash` is not the hash of the entry before it: an entry before it was removed,
  inserted, or changed together with its hash;
- its `hash` is not the hash of its own content: the entry itself was changed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import msgspec

from server.audit import ACTIONS, GENESIS, TOKEN_PREFIX, entry_hash, stored_content
from server.errors import FieldError, InvalidInput
from server.storage import audit as store
from server.storage.database import Database

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
CHUNK = 2000

PREV_HASH_MISMATCH = (
    "prev_hash is not the hash of the entry before it: an earlier entry was removed,"
    " inserted, or changed together with its hash"
)
HASH_MISMATCH = "hash does not match the entry's content: the entry was changed"

_detail = msgspec.json.Decoder(dict[str, Any])


class Actor(msgspec.Struct):
    id: str
    email: str | None


class AuditEntry(msgspec.Struct):
    id: int
    action: str
    token_prefix: str
    actor: Actor | None
    source_ip: str | None
    detail: dict[str, Any]
    created_at: str


class AuditPage(msgspec.Struct):
    results: list[AuditEntry]
    next: str | None  # the following page: its path here, its absolute URL in the API


class BrokenEntry(msgspec.Struct):
    id: int
    reason: str


class ChainHead(msgspec.Struct):
    id: int
    hash: str


class ChainReport(msgspec.Struct):
    ok: bool
    entries_checked: int
    first_broken: BrokenEntry | None
    head: ChainHead | None  # the newest entry, when the whole chain matched


@dataclass(frozen=True)
class AuditQuery:
    limit: int = DEFAULT_LIMIT
    before: int | None = None
    action: str | None = None
    token_prefix: str | None = None


def parse_query(
    limit: str | None, before: str | None, action: str | None, token_prefix: str | None
) -> AuditQuery:
    """The query string's values checked, or an InvalidInput naming each bad one."""
    problems: list[FieldError] = []
    limit_value = _whole_number(limit, "limit", 1, MAX_LIMIT, problems)
    before_value = _whole_number(before, "before", 1, 2**63 - 1, problems)
    if action is not None and action not in ACTIONS:
        problems.append(FieldError("action", f"must be one of {', '.join(ACTIONS)}"))
    if token_prefix is not None and not TOKEN_PREFIX.fullmatch(token_prefix):
        problems.append(
            FieldError("token_prefix", "must be the 8 lowercase hex characters after tppm_")
        )
    if problems:
        raise InvalidInput(problems)
    return AuditQuery(
        limit=DEFAULT_LIMIT if limit_value is None else limit_value,
        before=before_value,
        action=action,
        token_prefix=token_prefix,
    )


def _whole_number(
    raw: str | None, name: str, low: int, high: int, problems: list[FieldError]
) -> int | None:
    if raw is None:
        return None
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        problems.append(FieldError(name, f"must be a whole number from {low} to {high}"))
        return None
    return int(text)


def read_page(
    conn: sqlite3.Connection, project_id: str, query: AuditQuery, path: str, show_ip: bool
) -> AuditPage:
    """One page of the log; `next` links to the page after it, keeping the filters."""
    rows = store.page(
        conn,
        project_id,
        limit=query.limit + 1,  # one more tells whether a following page exists
        before=query.before,
        action=query.action,
        token_prefix=query.token_prefix,
    )
    shown = rows[: query.limit]
    following = None
    if len(rows) > query.limit:
        following = next_link(path, query, shown[-1].id)
    return AuditPage([_entry(row, show_ip) for row in shown], following)


def next_link(path: str, query: AuditQuery, last_id: int) -> str:
    params: dict[str, str | int] = {"limit": query.limit, "before": last_id}
    if query.action is not None:
        params["action"] = query.action
    if query.token_prefix is not None:
        params["token_prefix"] = query.token_prefix
    return f"{path}?{urlencode(params)}"


def _entry(row: store.StoredEntry, show_ip: bool) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        action=row.action,
        token_prefix=row.token_prefix,
        actor=Actor(row.actor_id, row.actor_email) if row.actor_id is not None else None,
        source_ip=row.source_ip if show_ip else None,
        detail=_decode_detail(row.detail),
        created_at=row.created_at,
    )


def _decode_detail(text: str) -> dict[str, Any]:
    try:
        return _detail.decode(text)
    except msgspec.DecodeError:
        # Only a row edited behind the server's back can get here; `verify/` names it.
        return {"unreadable": text}


@dataclass
class _Walk:
    """Where the chain check stands between chunks."""

    project_id: str
    after_id: int = 0
    prev_hash: str = GENESIS
    checked: int = 0
    broken: BrokenEntry | None = None
    done: bool = False


async def verify_chain(db: Database, project_id: str) -> ChainReport:
    """Recompute the project's whole chain and report the first entry that does not match."""
    walk = _Walk(project_id)
    while not walk.done:
        await db.read(lambda conn: _check_chunk(conn, walk))
    head = None
    if walk.broken is None and walk.checked:
        head = ChainHead(walk.after_id, walk.prev_hash)
    return ChainReport(walk.broken is None, walk.checked, walk.broken, head)


def _check_chunk(conn: sqlite3.Connection, walk: _Walk) -> None:
    rows = store.chain_chunk(conn, walk.project_id, walk.after_id, CHUNK)
    for row in rows:
        walk.checked += 1
        reason = check_entry(walk.prev_hash, row)
        if reason is not None:
            walk.broken = BrokenEntry(row.id, reason)
            walk.done = True
            return
        walk.after_id = row.id
        walk.prev_hash = row.hash
    walk.done = len(rows) < CHUNK


def check_entry(prev_hash: str, row: store.StoredEntry) -> str | None:
    """Why `row` breaks the chain after an entry hashed `prev_hash`, or None."""
    if row.prev_hash != prev_hash:
        return PREV_HASH_MISMATCH
    if entry_hash(prev_hash, stored_content(row)) != row.hash:
        return HASH_MISMATCH
    return None

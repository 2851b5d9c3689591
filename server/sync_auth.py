"""Who may push: the project token of a task-sync request (SPEC 2, 3).

Every failure — no header, another scheme, a malformed value, a JWT, an unknown, revoked or
foreign token, a project id that does not exist or is not a UUID — is the same `None` here
and the same 401 bytes at the edge. Each failing path does the same work: one SHA-256 and
one database lookup (a dummy hash when the value is malformed), so the time taken says
nothing about which case it was. Only a token found valid for this project skips the
lookup, through the cache.

Nothing about a failure is stored, except that a *revoked* token of this project leaves a
`rejected` audit entry, at most one per token per minute (SPEC 5).

Known limit: a push authenticated a moment before its token is revoked still completes; every
request that arrives after the revoke has been answered is refused (the revoke drops the
token from the cache before answering). Re-checking inside the write would close that window
at the cost of one more query per push.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import msgspec

from server.audit import NewEntry
from server.clock import isoformat, parse_time
from server.storage import audit as audit_store
from server.storage import push as store
from server.token_cache import CachedToken
from server.tokens import token_hash

if TYPE_CHECKING:
    from server.services import Services

_TOKEN = re.compile(r"^tppm_[0-9a-f]{64}$")
# Hashed in place of a malformed value, so that path costs what the others cost.
_DUMMY = "tppm_" + "0" * 64
_NO_PROJECT = "not-a-project"
REJECTION_INTERVAL_SECONDS = 60.0

_status_map = msgspec.json.Decoder(dict[str, str])


@dataclass
class Rejections:
    """When each revoked token last left a `rejected` entry (monotonic seconds).

    In memory on purpose: the audit log is the record; this only keeps a replayed revoked
    token from flooding it. After a restart one extra entry per token may be written.
    """

    last: dict[str, float] = field(default_factory=dict)

    def due(self, token_id: str, now: float) -> bool:
        previous = self.last.get(token_id)
        if previous is not None and now - previous < REJECTION_INTERVAL_SECONDS:
            return False
        self.last[token_id] = now
        return True


@dataclass(frozen=True)
class Verdict:
    """The token, when it may push here; `rejected` when a revoked one of this project came."""

    token: CachedToken | None
    rejected: CachedToken | None = None


def presented_token(authorization: str | None) -> str | None:
    """The `tppm_` value of a `Bearer` header, or None when there is none or it is malformed."""
    scheme, _, value = (authorization or "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not _TOKEN.fullmatch(value):
        return None
    return value


def canonical_project(project_id: str) -> str:
    try:
        return str(uuid.UUID(project_id))
    except ValueError:
        return _NO_PROJECT


async def authenticate(
    services: Services, authorization: str | None, project_id: str
) -> Verdict:
    raw = presented_token(authorization)
    digest = token_hash(raw or _DUMMY)
    project = canonical_project(project_id)
    cached = services.token_cache.get(digest) if raw is not None else None
    if cached is not None and not cached.revoked and cached.project_id == project:
        return Verdict(cached)

    read_at = services.token_cache.generation
    row = await services.db.read(lambda conn: store.token_by_hash(conn, digest))
    if row is None or raw is None:
        return Verdict(None)
    if cached is not None and cached.revoked:
        # Revocation is final: reuse the entry rather than decode the row again, so a
        # revoked token costs what an unknown one does (the read, nothing after it).
        token = cached
    else:
        token = from_row(row)
        services.token_cache.put(digest, token, read_at=read_at)
    if token.project_id != project:
        return Verdict(None)
    if token.revoked:
        due = services.rejections.due(token.id, services.clock.monotonic())
        return Verdict(None, rejected=token if due else None)
    return Verdict(token)


def from_row(row: sqlite3.Row) -> CachedToken:
    return CachedToken(
        id=row["id"],
        project_id=row["project_id"],
        token_prefix=row["token_prefix"],
        status_map=_status_map.decode(row["status_map"]),
        backfill_until=parse_time(row["backfill_until"]),
        revoked=row["revoked_at"] is not None,
    )


async def record_rejection(services: Services, token: CachedToken, source_ip: str) -> None:
    """The `rejected` audit entry for a revoked token of this project (SPEC 5)."""
    entry = NewEntry(
        project_id=token.project_id,
        action="rejected",
        token_id=token.id,
        token_prefix=token.token_prefix,
        actor_id=None,
        actor_email=None,
        source_ip=source_ip,
        detail={"reason": "revoked"},
        created_at=isoformat(services.clock.now()),
    )
    await services.db.write(lambda conn: audit_store.append_entry(conn, entry))

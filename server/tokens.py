"""API tokens (SPEC 2): minting, listing and revoking the `tppm_` tokens relays push with.

A token is `tppm_` + 64 lowercase hex (256 random bits). Only the SHA-256 of the whole
string is stored; the raw value is in the mint response and nowhere else. Name and status map
never change after mint, and mint and revoke each append an audit entry in the same write.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from server.audit import NewEntry
from server.clock import Clock, isoformat
from server.errors import FieldError, InvalidInput, NotFound, RateLimited
from server.members import role_in_project
from server.ratelimit import RateLimiter
from server.statuses import STATUSES, normalise
from server.storage import tokens as store
from server.storage.audit import append_entry
from server.users import User

if TYPE_CHECKING:
    from server.services import Services

PREFIX = "tppm_"
MAX_NAME = 128
MAX_MAP_ENTRIES = 200
MAX_STATUS = 64  # the longest status string a push may send (SPEC 4.1)
MINTS_PER_MINUTE = 10

_map_json = msgspec.json.Encoder(order="sorted")


class NewToken(msgspec.Struct, forbid_unknown_fields=True):
    # Lengths are checked after trimming; these bounds only keep the decoder cheap.
    name: Annotated[str, msgspec.Meta(max_length=4 * MAX_NAME)]
    status_map: Annotated[dict[str, Any], msgspec.Meta(max_length=MAX_MAP_ENTRIES)] | None = (
        None
    )


class TokenInfo(msgspec.Struct, frozen=True):
    """A token as listed: everything but the secret."""

    id: str
    name: str
    token_prefix: str
    status_map: dict[str, str]
    created_by: str | None
    created_at: str
    backfill_until: str
    last_used_at: str | None
    revoked_at: str | None


class MintedToken(msgspec.Struct, frozen=True):
    """The mint response: the only place the raw token ever appears."""

    id: str
    name: str
    token: str
    token_prefix: str
    status_map: dict[str, str]
    created_by: str | None
    created_at: str
    backfill_until: str
    last_used_at: str | None
    revoked_at: str | None


@dataclass(frozen=True)
class CheckedToken:
    name: str
    status_map: dict[str, str]


def token_hash(raw: str) -> str:
    """What `api_tokens.token_hash` holds for the token string `raw`."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_raw_token() -> str:
    return PREFIX + secrets.token_hex(32)


def prefix_of(raw: str) -> str:
    return raw[len(PREFIX) : len(PREFIX) + 8]


def check_new_token(new: NewToken) -> CheckedToken:
    name = new.name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput.one("name", f"must be 1–{MAX_NAME} characters after trimming")
    return CheckedToken(name, check_status_map(new.status_map or {}))


def check_status_map(raw: dict[str, Any]) -> dict[str, str]:
    """Keys normalised as a push's status will be (SPEC 4.3); every value an internal status."""
    problems: list[FieldError] = []
    normalised: dict[str, tuple[str, str]] = {}  # key → (original key, status)
    for key, status in raw.items():
        field = f"status_map.{key}"
        norm = normalise(key)
        if len(key) > MAX_STATUS:
            problems.append(FieldError(field, f"keys are at most {MAX_STATUS} characters"))
        elif not norm:
            problems.append(FieldError(field, "the key has no letters or digits"))
        elif not isinstance(status, str) or status not in STATUSES:
            valid = ", ".join(STATUSES)
            problems.append(
                FieldError(field, f"{status!r} is not a status; use one of {valid}")
            )
        elif norm in normalised and normalised[norm][1] != status:
            other = normalised[norm][0]
            problems.append(
                FieldError(field, f"normalises to {norm!r} like {other!r}, with another status")
            )
        else:
            normalised.setdefault(norm, (key, status))
    if problems:
        raise InvalidInput(problems)
    return {norm: status for norm, (_, status) in sorted(normalised.items())}


def check_mint_rate(limiter: RateLimiter, user_id: str, now: float) -> None:
    decision = limiter.acquire(user_id, MINTS_PER_MINUTE, now)
    if not decision.allowed:
        raise RateLimited(
            f"At most {MINTS_PER_MINUTE} tokens a minute may be minted; try again later.",
            headers={"Retry-After": str(decision.reset_seconds)},
        )


def mint_token(
    conn: sqlite3.Connection,
    project_id: str,
    actor: User,
    checked: CheckedToken,
    clock: Clock,
    *,
    backfill_minutes: int,
    source_ip: str | None,
) -> MintedToken:
    """Store a new token and its `minted` audit entry in one write."""
    role_in_project(conn, project_id, actor.id, "manager")
    raw = new_raw_token()
    now = clock.now()
    minted = MintedToken(
        id=str(uuid.uuid4()),
        name=checked.name,
        token=raw,
        token_prefix=prefix_of(raw),
        status_map=checked.status_map,
        created_by=actor.id,
        created_at=isoformat(now),
        backfill_until=isoformat(now + timedelta(minutes=backfill_minutes)),
        last_used_at=None,
        revoked_at=None,
    )
    _insert(conn, project_id, minted)
    detail = {"name": minted.name, "status_map": minted.status_map}
    append_entry(
        conn,
        NewEntry(
            project_id=project_id,
            action="minted",
            token_id=minted.id,
            token_prefix=minted.token_prefix,
            actor_id=actor.id,
            actor_email=actor.email,
            source_ip=source_ip,
            detail=detail,
            created_at=minted.created_at,
        ),
    )
    return minted


def revoke_token(
    conn: sqlite3.Connection,
    project_id: str,
    actor: User,
    token_id: str,
    clock: Clock,
    *,
    source_ip: str | None,
) -> None:
    """Revoke once: a repeat finds it revoked and writes nothing."""
    role_in_project(conn, project_id, actor.id, "manager")
    row = store.token_in_project(conn, project_id, token_id)
    if row is None:
        raise NotFound("No such token in this project.")
    now = isoformat(clock.now())
    if store.mark_revoked(conn, token_id, now):
        append_entry(
            conn,
            NewEntry(
                project_id=project_id,
                action="revoked",
                token_id=token_id,
                token_prefix=row["token_prefix"],
                actor_id=actor.id,
                actor_email=actor.email,
                source_ip=source_ip,
                detail={"name": row["name"]},
                created_at=now,
            ),
        )


async def revoke(
    services: Services, project_id: str, user: User, token_id: str, *, source_ip: str
) -> None:
    """Revoke, then drop the token from the cache so the very next push with it fails."""
    # Before and after: a push that read the row before the write must not re-cache it live
    # (the cache's generation check covers a read still in flight when `forget` runs).
    services.token_cache.forget(token_id)
    try:
        await services.db.write(
            lambda conn: revoke_token(
                conn, project_id, user, token_id, services.clock, source_ip=source_ip
            )
        )
    finally:
        services.token_cache.forget(token_id)


def list_tokens(conn: sqlite3.Connection, project_id: str) -> list[TokenInfo]:
    return [token_from_row(row) for row in store.tokens_of(conn, project_id)]


def read_token(conn: sqlite3.Connection, project_id: str, token_id: str) -> TokenInfo:
    row = store.token_in_project(conn, project_id, token_id)
    if row is None:
        raise NotFound("No such token in this project.")
    return token_from_row(row)


def token_from_row(row: sqlite3.Row) -> TokenInfo:
    return TokenInfo(
        id=row["id"],
        name=row["name"],
        token_prefix=row["token_prefix"],
        status_map=msgspec.json.decode(row["status_map"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        backfill_until=row["backfill_until"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


def _insert(conn: sqlite3.Connection, project_id: str, minted: MintedToken) -> None:
    store.insert_token(
        conn,
        {
            "id": minted.id,
            "project_id": project_id,
            "name": minted.name,
            "token_hash": token_hash(minted.token),
            "token_prefix": minted.token_prefix,
            "status_map": _map_json.encode(minted.status_map).decode(),
            "created_by": minted.created_by,
            "created_at": minted.created_at,
            "backfill_until": minted.backfill_until,
        },
    )

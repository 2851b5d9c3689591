"""The audit log's rules (SPEC 5): what an entry holds and how entries chain.

Each entry's hash is SHA-256 over the previous entry's hash (of the same project) and the
entry's own canonical content, so editing, removing or reordering a row behind the server's
back breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

Action = Literal["minted", "revoked", "used", "rejected"]
ACTIONS: tuple[Action, ...] = ("minted", "revoked", "used", "rejected")

GENESIS = "0" * 64

_canonical = msgspec.json.Encoder(order="sorted")


@dataclass(frozen=True)
class NewEntry:
    project_id: str
    action: Action
    token_id: str | None
    token_prefix: str
    actor_id: str | None
    actor_email: str | None
    source_ip: str | None
    detail: dict[str, Any]
    created_at: str


def canonical_detail(detail: dict[str, Any]) -> str:
    return _canonical.encode(detail).decode("utf-8")


def entry_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """`content` holds exactly the stored columns that the chain protects."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(_canonical.encode(content))
    return digest.hexdigest()


def chained_content(entry: NewEntry) -> dict[str, Any]:
    return {
        "project_id": entry.project_id,
        "action": entry.action,
        "token_id": entry.token_id,
        "token_prefix": entry.token_prefix,
        "actor_id": entry.actor_id,
        "actor_email": entry.actor_email,
        "source_ip": entry.source_ip,
        "detail": canonical_detail(entry.detail),
        "created_at": entry.created_at,
    }

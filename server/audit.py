"""The audit log's rules (SPEC 5): what an entry holds and how entries chain.

Each entry's hash is SHA-256 over the previous entry's hash (of the same project), a newline,
and the entry's own content as canonical JSON (keys sorted, no whitespace, UTF-8): an object
of exactly the `CHAINED_FIELDS`, every value a string or null, `detail` being the stored JSON
text itself. Editing, removing or reordering a row behind the server's back therefore breaks
the chain at that row or the next one. docs/audit.md shows how to check it by hand.

The row id is not hashed: order is already protected by each entry naming its predecessor,
and ids are only the paging cursor.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

Action = Literal["minted", "revoked", "used", "rejected"]
ACTIONS: tuple[Action, ...] = ("minted", "revoked", "used", "rejected")

GENESIS = "0" * 64  # the `prev_hash` of a project's first entry

# Exactly what the chain protects, in the stored columns' names.
CHAINED_FIELDS = (
    "project_id",
    "action",
    "token_id",
    "token_prefix",
    "actor_id",
    "actor_email",
    "source_ip",
    "detail",
    "created_at",
)

TOKEN_PREFIX = re.compile(r"^[0-9a-f]{8}$")

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

    def __post_init__(self) -> None:
        # A bad entry is a bug in the caller; refuse it before it is chained forever.
        if self.action not in ACTIONS:
            raise ValueError(f"unknown audit action {self.action!r}")
        if not TOKEN_PREFIX.fullmatch(self.token_prefix):
            raise ValueError(f"token_prefix must be 8 lowercase hex, not {self.token_prefix!r}")


def canonical_detail(detail: dict[str, Any]) -> str:
    return _canonical.encode(detail).decode("utf-8")


def entry_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """`content` holds exactly the `CHAINED_FIELDS`, as stored."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(_canonical.encode(content))
    return digest.hexdigest()


def chained_content(entry: NewEntry) -> dict[str, Any]:
    """What will be stored and hashed for a new entry."""
    content = {name: getattr(entry, name) for name in CHAINED_FIELDS}
    content["detail"] = canonical_detail(entry.detail)
    return content


def stored_content(row: Any) -> dict[str, Any]:
    """The chained content of a stored row (any object with the column attributes)."""
    return {name: getattr(row, name) for name in CHAINED_FIELDS}

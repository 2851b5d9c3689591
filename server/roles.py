"""Project roles, lowest to highest (SPEC 1)."""

from __future__ import annotations

from typing import Literal

Role = Literal["viewer", "member", "manager", "owner"]
ROLES: tuple[Role, ...] = ("viewer", "member", "manager", "owner")


def rank(role: str) -> int:
    return ROLES.index(role)  # type: ignore[arg-type,unused-ignore]


def at_least(role: str, needed: Role) -> bool:
    return rank(role) >= rank(needed)

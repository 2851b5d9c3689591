"""Email addresses as tasksync compares them: case-insensitively, after trimming."""

from __future__ import annotations

import re

MAX_LENGTH = 254

# Deliberately plain: an address someone can be invited with. `admin@localhost` is valid
# (the first-start administrator), so a dot in the domain is not required.
_ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def problem_with(address: str) -> str | None:
    """Why `address` is not an email address, or None when it is one."""
    if len(address) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if not _ADDRESS.fullmatch(address):
        return "is not an email address"
    return None


def key(address: str) -> str:
    """The form emails are matched and stored in for lookups."""
    return address.strip().lower()

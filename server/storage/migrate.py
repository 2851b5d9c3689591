"""Schema versions, applied on start: `migrations/NNNN_name.sql` above `PRAGMA user_version`."""

from __future__ import annotations

import logging
import re
import sqlite3
from importlib import resources

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every migration file, in order."""
    folder = resources.files("server.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration versions must be 1..n without gaps, got {versions}")
    return found


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration above the database's version; return the new version."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    for version, name, sql in migrations():
        if version <= current:
            continue
        logger.info("applying migration", extra={"migration": name})
        # executescript commits first; wrap each file so a failure leaves the old version.
        conn.executescript(
            f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
        )
        current = version
    return int(current)

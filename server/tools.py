"""What the CLI does on the box, against the database file directly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server import passwords
from server.clock import SystemClock
from server.config import Settings
from server.errors import Conflict, NotFound
from server.secrets_store import signing_key
from server.sessions import SessionCodec
from server.storage import dialect
from server.storage.database import Database, run_in_transaction
from server.users import NewUser, User, check_new_user, create_first_or_regular, find_user


def add_user(settings: Settings, email: str, name: str, password: str) -> User:
    new = check_new_user(NewUser(email=email, password=password, name=name))
    password_hash = passwords.hash_password(new.password)
    with Database(settings.database_path).direct() as conn:
        return run_in_transaction(
            conn, lambda c: create_first_or_regular(c, new, password_hash, SystemClock())
        )


def token_for(settings: Settings, email: str) -> str:
    with Database(settings.database_path).direct() as conn:
        found = find_user(conn, email)
    if found is None:
        raise NotFound(f"No user has the email {email}.")
    key = signing_key(settings.secret_key, settings.data_dir)
    return SessionCodec(key, settings.jwt_ttl_seconds, SystemClock()).issue(found.id)


def backup_to(settings: Settings, target: Path) -> None:
    if target.exists():
        raise Conflict(f"{target} exists; choose a new file.")
    if not settings.database_path.exists():
        raise NotFound(f"No database at {settings.database_path}.")
    try:
        dialect.backup(settings.database_path, target)
    except FileExistsError as exc:  # created between the check above and the copy
        raise Conflict(f"{target} exists; choose a new file.") from exc
    except (sqlite3.Error, OSError) as exc:
        raise Conflict(f"The backup failed: {exc}") from exc

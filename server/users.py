"""People (SPEC 1): creating users, logging in, the first-start administrator."""

from __future__ import annotations

import secrets
import sqlite3
import uuid
from typing import Annotated

import msgspec

from server import emails, passwords
from server.clock import Clock, isoformat
from server.errors import Conflict, FieldError, InvalidInput, NotAuthenticated
from server.sessions import Session
from server.storage import users as store

MAX_NAME = 128


class User(msgspec.Struct, frozen=True):
    id: str
    email: str
    name: str
    is_admin: bool
    created_at: str


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=emails.MAX_LENGTH)]
    password: Annotated[str, msgspec.Meta(max_length=passwords.MAX_LENGTH)]
    name: Annotated[str, msgspec.Meta(max_length=MAX_NAME)] = ""


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=emails.MAX_LENGTH)]
    password: Annotated[str, msgspec.Meta(max_length=passwords.MAX_LENGTH)]


def from_row(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        is_admin=bool(row["is_admin"]),
        created_at=row["created_at"],
    )


def check_new_user(new: NewUser) -> NewUser:
    """Trimmed values, or an InvalidInput naming every bad field."""
    email = new.email.strip()
    name = new.name.strip() or email.split("@", 1)[0]
    problems = []
    if (why := emails.problem_with(email)) is not None:
        problems.append(FieldError("email", why))
    if (why := passwords.problem_with(new.password)) is not None:
        problems.append(FieldError("password", why))
    if problems:
        raise InvalidInput(problems)
    return NewUser(email=email, password=new.password, name=name)


def create_user(
    conn: sqlite3.Connection, new: NewUser, password_hash: str, clock: Clock, *, is_admin: bool
) -> User:
    """Insert a checked user (hash the password before: argon2 must not hold the writer)."""
    email_key = emails.key(new.email)
    if store.user_by_email(conn, email_key) is not None:
        raise Conflict(f"A user with the email {new.email} already exists.")
    user_id = str(uuid.uuid4())
    created_at = isoformat(clock.now())
    row: dict[str, object] = {
        "id": user_id,
        "email": new.email,
        "email_key": email_key,
        "name": new.name,
        "password_hash": password_hash,
        "is_admin": int(is_admin),
        "created_at": created_at,
    }
    store.insert_user(conn, row)
    return User(user_id, new.email, new.name, is_admin, created_at)


def create_first_or_regular(
    conn: sqlite3.Connection, new: NewUser, password_hash: str, clock: Clock
) -> User:
    """The first user of an instance is its administrator (SPEC 1)."""
    first = store.count_users(conn) == 0
    return create_user(conn, new, password_hash, clock, is_admin=first)


def user_row_for_login(conn: sqlite3.Connection, email: str) -> sqlite3.Row | None:
    return store.user_by_email(conn, emails.key(email))


def check_login(row: sqlite3.Row | None, password: str) -> User:
    """Verify outside the database thread: argon2 is slow on purpose."""
    stored = row["password_hash"] if row is not None else None
    if not passwords.verify_password(stored, password) or row is None:
        raise NotAuthenticated("The email or the password is wrong.")
    return from_row(row)


def load_user(conn: sqlite3.Connection, user_id: str) -> User | None:
    row = store.user_by_id(conn, user_id)
    return from_row(row) if row is not None else None


def load_session_user(conn: sqlite3.Connection, session: Session) -> User | None:
    """The session's user, or None when the user is gone or the session was ended."""
    row = store.user_for_session(conn, session.user_id, session.jti)
    return from_row(row) if row is not None and not row["ended"] else None


def end_session(conn: sqlite3.Connection, session: Session, clock: Clock) -> None:
    """Log a session out for good; expired records are dropped on the way."""
    now = isoformat(clock.now())
    store.purge_ended_sessions(conn, now)
    row: dict[str, object] = {
        "jti": session.jti,
        "user_id": session.user_id,
        "ended_at": now,
        "expires_at": isoformat(session.expires_at),
    }
    store.end_session(conn, row)


def find_user(conn: sqlite3.Connection, email: str) -> User | None:
    row = store.user_by_email(conn, emails.key(email))
    return from_row(row) if row is not None else None


def generated_password() -> str:
    return secrets.token_urlsafe(18)

"""First start: with no users, create the administrator (SPEC 9)."""

from __future__ import annotations

import logging
import sqlite3

import anyio.to_thread

from server import passwords
from server.secrets_store import write_private
from server.services import Services
from server.storage import users as user_store
from server.users import NewUser, User, create_user, generated_password

logger = logging.getLogger(__name__)

PASSWORD_FILE = "initial-admin-password"  # noqa: S105 - a file name


async def first_start(services: Services) -> None:
    settings = services.settings
    if await services.db.read(user_store.count_users) > 0:
        return
    password = generated_password()
    password_hash = await anyio.to_thread.run_sync(passwords.hash_password, password)
    new = NewUser(email=settings.admin_email, password=password, name="Administrator")

    def create(conn: sqlite3.Connection) -> User | None:
        if user_store.count_users(conn) > 0:
            return None  # another process got there first
        return create_user(conn, new, password_hash, services.clock, is_admin=True)

    if await services.db.write(create) is None:
        return
    path = settings.data_dir / PASSWORD_FILE
    path.unlink(missing_ok=True)
    write_private(path, password + "\n")
    logger.warning(
        "created the administrator; the password is in the file named here (read it once)",
        extra={"email": settings.admin_email, "password_file": str(path)},
    )

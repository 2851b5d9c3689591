"""Who is calling: JWTs for humans, checked here for every route but task-sync.

API tokens (`tppm_…`) authenticate only task-sync (SPEC 2); presented anywhere else they
are refused like any invalid credential.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from server.errors import Forbidden, NotAuthenticated, NotFound
from server.roles import Role, at_least
from server.services import Services
from server.sessions import Session
from server.storage import memberships
from server.users import User, load_session_user

CHALLENGE = {"WWW-Authenticate": "Bearer"}

# Handlers name what they inject: `services: AppServices`, `user: CurrentUser`, and routes
# for people declare `dependencies=AUTHENTICATED`.
AppServices = NamedDependency[Services]


def bearer_value(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def current_session(request: Request[Any, Any, Any], services: AppServices) -> Session:
    """The live session of the request's `Authorization: Bearer` JWT, its user loaded.

    Deliberately not the console's session cookie: a browser attaches cookies to requests
    other sites make, so an API that honoured it would accept cross-site POSTs that carry
    no CSRF token. The console checks its cookie and its CSRF tokens itself (server/web).
    """
    token = bearer_value(request)
    if not token or token.startswith("tppm_"):
        raise NotAuthenticated(
            "Log in and send the token as `Authorization: Bearer …`.", headers=CHALLENGE
        )
    try:
        session = services.sessions.read(token)
    except NotAuthenticated:
        raise NotAuthenticated(
            "The token is invalid or has expired.", headers=CHALLENGE
        ) from None
    # A logged-out session answers exactly like an expired one.
    user = await services.db.read(lambda conn: load_session_user(conn, session))
    if user is None:
        raise NotAuthenticated("The token is invalid or has expired.", headers=CHALLENGE)
    request.state.user_id = user.id
    request.state.user = user
    return session


async def current_user(request: Request[Any, Any, Any], services: AppServices) -> User:
    """The user named by the request's `Authorization: Bearer` JWT (`current_session`)."""
    await current_session(request, services)
    user: User = request.state.user
    return user


def parse_project_id(value: str) -> str:
    """A canonical project id, or the 404 a non-member would get."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound("No such project.") from None


async def project_for(services: Services, project_id: str, user: User, needed: Role) -> str:
    """The canonical id of the project in the path, once the caller holds `needed` there."""
    project = parse_project_id(project_id)
    await require_role(services, project, user, needed)
    return project


async def require_role(services: Services, project_id: str, user: User, needed: Role) -> str:
    """The caller's role in the project: 404 when not a member, 403 when below `needed`."""
    role = await services.db.read(lambda conn: memberships.role_of(conn, project_id, user.id))
    if role is None:
        raise NotFound("No such project.")
    if not at_least(role, needed):
        raise Forbidden(f"This needs the {needed} role or above; you are {role}.")
    return role


CurrentUser = NamedDependency[User]
CurrentSession = NamedDependency[Session]
AUTHENTICATED = {"user": Provide(current_user)}
# For routes about the session itself (logout): the same checks, the session injected.
SESSION = {"session": Provide(current_session)}

"""Ending a session from the API: its JWT's `jti` goes to `ended_sessions`."""

from __future__ import annotations

from litestar import post

from server.http.auth import SESSION, AppServices, CurrentSession
from server.http.problems import problem_responses
from server.users import end_session


@post(
    "/api/v1/auth/logout",
    status_code=204,
    tags=["people"],
    dependencies=SESSION,
    responses=problem_responses(401),
)
async def logout(services: AppServices, session: CurrentSession) -> None:
    """End the session of the presenting JWT: from now on it is refused like an expired one.

    The user's other sessions (other logins, the console) are not affected.
    """
    await services.db.write(lambda conn: end_session(conn, session, services.clock))


routes = [logout]

"""One console request: who is asking, their CSRF token, and how pages are rendered.

Handlers declare `visit: Visit`; it carries the services, the signed-in user and the
session the CSRF tokens are bound to. `project(...)` applies the API's role rule
(`require_role`: 404 to non-members, 403 below the needed role) before a page shows anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from server.clock import isoformat
from server.http.auth import AppServices, parse_project_id, require_role
from server.roles import Role, at_least
from server.services import Services
from server.sessions import Session
from server.storage import projects as project_store
from server.users import User
from server.web import csrf
from server.web.session import COOKIE, session_user


@dataclass(frozen=True)
class ProjectView:
    id: str
    name: str
    role: str

    def can(self, needed: Role) -> bool:
        return at_least(self.role, needed)


@dataclass
class Visit:
    request: Request[Any, Any, Any]
    services: Services
    user: User
    session: Session

    @property
    def csrf_token(self) -> str:
        return csrf.token_for(self.services, "session", self.request.cookies.get(COOKIE, ""))

    def now_iso(self) -> str:
        return isoformat(self.services.clock.now())

    async def form(self) -> FormMultiDict:
        """The posted form, after its CSRF token checks out."""
        session = self.request.cookies.get(COOKIE, "")
        return await csrf.checked_form(self.request, self.services, "session", session)

    async def project(self, raw_id: str, needed: Role = "viewer") -> ProjectView:
        project_id = parse_project_id(raw_id)
        role = await require_role(self.services, project_id, self.user, needed)
        row = await self.services.db.read(
            lambda conn: project_store.project_by_id(conn, project_id)
        )
        return ProjectView(project_id, row["name"] if row else "", role)

    def render(
        self,
        template: str,
        /,
        *,
        status: int = 200,
        project: ProjectView | None = None,
        **context: Any,
    ) -> Template:
        return Template(
            template_name=template,
            context={
                "user": self.user,
                "csrf_token": self.csrf_token,
                "project": project,
                **context,
            },
            status_code=status,
        )


def see_other(path: str) -> Redirect:
    """The answer to a successful form: reloading the next page never re-posts it."""
    return Redirect(path=path, status_code=303)


async def provide_visit(request: Request[Any, Any, Any], services: AppServices) -> Visit:
    session, user = await session_user(request, services)
    return Visit(request, services, user, session)


VisitDependency = NamedDependency[Visit]

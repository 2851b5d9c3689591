"""The login form and logout: the session cookie is set and cleared here."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from server.errors import NotAuthenticated, RateLimited
from server.http.auth import AppServices
from server.http.client_ip import client_ip
from server.login_limits import log_in
from server.users import end_session
from server.web import csrf
from server.web.session import COOKIE_PATH, clear_session, is_https, safe_next, set_session
from server.web.visit import VisitDependency, see_other


def _login_page(
    request: Request[Any, Any, Any],
    services: AppServices,
    nonce: str,
    status: int = 200,
    next_path: str | None = None,
    **context: Any,
) -> Template:
    page = Template(
        template_name="login.html",
        context={
            "csrf_token": csrf.token_for(services, "login", nonce),
            "next": safe_next(next_path or request.query_params.get("next")),
            "user": None,
            "project": None,
            **context,
        },
        status_code=status,
    )
    page.set_cookie(
        csrf.LOGIN_COOKIE,
        nonce,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=is_https(request, services.settings),
    )
    return page


@get("/login", include_in_schema=False)
async def login_form(request: Request[Any, Any, Any], services: AppServices) -> Template:
    nonce = request.cookies.get(csrf.LOGIN_COOKIE) or csrf.new_login_nonce()
    return _login_page(request, services, nonce)


@post("/login", include_in_schema=False)
async def login(request: Request[Any, Any, Any], services: AppServices) -> Response[Any]:
    nonce = request.cookies.get(csrf.LOGIN_COOKIE, "")
    form = await csrf.checked_form(request, services, "login", nonce)
    email = str(form.get("email", ""))[:320]
    password = str(form.get("password", ""))[:1024]
    try:
        user = await log_in(services, email, password, client_ip(request, services.settings))
    except (NotAuthenticated, RateLimited) as exc:
        refused = isinstance(exc, RateLimited)
        page = _login_page(
            request,
            services,
            nonce,
            exc.status,
            next_path=str(form.get("next", "")),
            error=exc.detail if refused else "Wrong email or password.",
            email=email,
        )
        page.headers.update(exc.headers)
        return page
    response: Redirect = see_other(safe_next(str(form.get("next", ""))))
    set_session(response, request, services.settings, services.sessions.issue(user.id))
    return response


@post("/logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any], visit: VisitDependency) -> Response[Any]:
    await visit.form()
    services = visit.services
    await services.db.write(lambda conn: end_session(conn, visit.session, services.clock))
    response = see_other("/console/login")
    clear_session(response, request)
    return response


routes = [login_form, login, logout]

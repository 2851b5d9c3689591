"""The web console (SPEC 10): server-rendered pages under `/console/`, on the same domain
functions and role rules as the JSON API.

Every page module exports `routes`; `console_router()` mounts them with the console's own
error pages, session dependency and security headers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Router, get
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from server.web import audit, backlog, health, login, members, projects, relays, tokens
from server.web.errors import EXCEPTION_HANDLERS
from server.web.visit import provide_visit

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

# The console's pages are private and short-lived: never cached, never framed, and no
# script, style or form target outside this server.
SECURITY_HEADERS = [
    ResponseHeader(name="Cache-Control", value="no-store"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(
        name="Content-Security-Policy",
        value="default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
]

PAGE_MODULES: list[Any] = [login, projects, backlog, health, tokens, audit, relays, members]


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    # Litestar's Jinja environment has autoescape on for every template: a task named
    # `<img src=x onerror=…>` renders as text.
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine)


@get("/", include_in_schema=False)
async def root() -> Redirect:
    return Redirect(path="/console/", status_code=302)


def console_router() -> Router:
    return Router(
        path="/console",
        route_handlers=[
            *(handler for module in PAGE_MODULES for handler in module.routes),
            create_static_files_router(path="/static", directories=[STATIC]),
        ],
        dependencies={"visit": Provide(provide_visit)},
        exception_handlers=EXCEPTION_HANDLERS,
        response_headers=SECURITY_HEADERS,
        include_in_schema=False,
    )


def routes() -> list[Any]:
    """Fresh handlers for each app: a Router belongs to the one application it is mounted on."""
    return [root, console_router()]

"""Relays (SPEC 7): any project member downloads a generated relay for the project."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import FromPath, QueryParameter

from relays.generator import KINDS, InvalidRelayRequest, render
from server.errors import InvalidInput, NotFound
from server.http.auth import (
    AUTHENTICATED,
    AppServices,
    CurrentUser,
    project_for,
)
from server.http.openapi import media_types, member_route

TAGS = ["relays"]
PATH = "/api/v1/projects/{project_id:str}/relays/{kind:str}/"


@get(
    PATH,
    tags=TAGS,
    dependencies=AUTHENTICATED,
    media_type="text/plain",
    operation_class=media_types(200, sorted({kind.content_type for kind in KINDS.values()})),
    responses=member_route({400: "`url` is not an http(s) base URL."}),
)
async def download(
    project_id: FromPath[str],
    kind: FromPath[str],
    request: Request[Any, Any, Any],
    services: AppServices,
    user: CurrentUser,
    url: Annotated[
        str | None,
        QueryParameter(
            description="tasksync's public base URL as the source will reach it; "
            "defaults to the URL this request came in on.",
        ),
    ] = None,
) -> Response[str]:
    """The relay of `kind` for this project, with the task-sync URL written in (any member).

    Kinds: github-actions, jira-relay, jira-worker, linear-worker, linear-vercel. Secrets
    are never written into the file; its header says where each one goes.
    """
    project = await project_for(services, project_id, user, "viewer")
    if kind not in KINDS:
        raise NotFound(f"No such relay kind; choose one of {', '.join(KINDS)}.")
    try:
        rendered = render(kind, url=url or str(request.base_url), project_id=project)
    except InvalidRelayRequest as error:
        raise InvalidInput.one("url", str(error).replace("--url", "url")) from None
    # Litestar adds the charset to text/* types itself; only the others need it here.
    media_type = rendered.content_type
    if not media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    return Response(
        rendered.text,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{rendered.filename}"'},
    )


routes = [download]

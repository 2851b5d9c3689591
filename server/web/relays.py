"""Relays page (SPEC 7, 10): pick a kind, read the generated program with its deployment
notes, download it. The file is `relays.generator.render`'s, byte for byte, as the CLI and
the API give it; the notes are the comment block the file opens with."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Response, get
from litestar.params import FromPath

from relays.generator import KINDS, InvalidRelayRequest, RenderedRelay, render
from server.errors import InvalidInput, NotFound
from server.web.visit import Visit, VisitDependency


def deployment_notes(text: str) -> str:
    """The file's opening comment block, without the comment marks."""
    notes = []
    for line in text.splitlines():
        if line.startswith("#!"):
            continue
        mark = next((m for m in ("# ", "// ", "#", "//") if line.startswith(m)), None)
        if mark is None:
            break
        notes.append(line[len(mark) :])
    return "\n".join(notes).strip()


def base_url(visit: Visit) -> str:
    """The address the relay should call: as given in the form, else the one this browser
    reached tasksync at (behind a proxy the two can differ, hence the field)."""
    given = visit.request.query_params.get("url", "").strip()
    return given[:2000] or str(visit.request.base_url).rstrip("/")


def _render(visit: Visit, kind: str, project_id: str) -> RenderedRelay:
    if kind not in KINDS:
        raise NotFound(f"No relay kind {kind!r}; choose one of {', '.join(KINDS)}.")
    try:
        return render(kind, url=base_url(visit), project_id=project_id)
    except InvalidRelayRequest as exc:
        raise InvalidInput.one("url", str(exc)) from None


@get("/projects/{project_id:str}/relays", include_in_schema=False)
async def relays_page(visit: VisitDependency, project_id: FromPath[str]) -> Response[Any]:
    project = await visit.project(project_id)
    kind = visit.request.query_params.get("kind") or ""
    relay = _render(visit, kind, project.id) if kind else None
    return visit.render(
        "relays.html",
        project=project,
        section="relays",
        kinds=KINDS,
        kind=kind,
        relay=relay,
        url=base_url(visit),
        url_query=urlencode({"url": base_url(visit)}),
        notes=deployment_notes(relay.text) if relay else "",
    )


@get("/projects/{project_id:str}/relays/{kind:str}/download", include_in_schema=False)
async def download(
    visit: VisitDependency, project_id: FromPath[str], kind: FromPath[str]
) -> Response[bytes]:
    project = await visit.project(project_id)
    relay = _render(visit, kind, project.id)
    return Response(
        relay.text.encode("utf-8"),
        media_type=f"{relay.content_type}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{relay.filename}"'},
    )


routes = [relays_page, download]

"""The `next` link of a paged list (SPEC 5 and 6: "the URL of the following page")."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from litestar import Request


def next_url(request: Request[Any, Any, Any], before: str | int | None) -> str | None:
    """This request's absolute URL with the cursor moved: same filters, same order of
    parameters, `before` last. None when there is no following page."""
    if before is None:
        return None
    query = parse_qsl(request.url.query, keep_blank_values=True)
    query = [(key, value) for key, value in query if key != "before"] + [
        ("before", str(before))
    ]
    # Litestar hands routes the path without its trailing slash; the API's paths keep it.
    path = request.url.path if request.url.path.endswith("/") else request.url.path + "/"
    return str(request.url.with_replacements(path=path, query=urlencode(query)))

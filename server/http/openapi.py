"""OpenAPI documentation of the error answers a route can give (SPEC 9: every status code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    RequestBody,
    Schema,
)

from server.http.problems import PROBLEM_JSON, Problem

UNAUTHENTICATED = "No valid JWT (API tokens are refused here)."
NOT_A_MEMBER = "No such project, or the caller is not a member of it."
ROLE_TOO_LOW = "The caller's role in the project is too low."
INVALID = "A field broke a rule; `errors` names each one."
MALFORMED = "A parameter is malformed; `errors` names it."
UNAVAILABLE = "The database cannot answer right now; retry later."


def problems(described: dict[int, str]) -> dict[int, ResponseSpec]:
    """`responses=` for a route: each status it can answer with, as problem details."""
    return {
        status: ResponseSpec(
            Problem, description=text, media_type=PROBLEM_JSON, generate_examples=False
        )
        for status, text in described.items()
    }


def member_route(extra: dict[int, str] | None = None) -> dict[int, ResponseSpec]:
    """The answers of a route any project member may call, plus `extra`."""
    base = {400: MALFORMED, 401: UNAUTHENTICATED, 404: NOT_A_MEMBER, 503: UNAVAILABLE}
    return problems({**base, **(extra or {})})


def role_route(extra: dict[int, str] | None = None) -> dict[int, ResponseSpec]:
    """The answers of a route that needs a role, plus `extra`."""
    return member_route({403: ROLE_TOO_LOW, **(extra or {})})


BODY = {
    400: INVALID,
    408: "The body did not arrive in time (TASKSYNC_BODY_TIMEOUT_SECONDS).",
    413: "The body is larger than 1 MiB.",
    415: "The body is not sent as JSON.",
}


def json_body(struct: type[msgspec.Struct]) -> type[Operation]:
    """`operation_class=` for a route that reads `struct` as its JSON body by hand.

    Handlers read the raw body themselves (`server/http/body.py`, for SPEC 4.1's lenient
    content types), so Litestar cannot see its type; this documents it as the request body.
    The struct's schema is inlined: every body is a flat object (no `$ref` to resolve).
    """
    schema = cast(Schema, _inline(msgspec.json.schema(struct)))

    @dataclass
    class JsonBodyOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                required=True, content={"application/json": OpenAPIMediaType(schema=schema)}
            )

    JsonBodyOperation.__name__ = f"{struct.__name__}Body"
    return JsonBodyOperation


def _inline(document: dict[str, Any]) -> dict[str, Any]:
    definitions: dict[str, Any] = document.get("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                return resolve(definitions[ref.rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items() if key != "$defs"}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(document)
    if resolved.get("required") == []:
        del resolved["required"]
    return resolved


def media_types(status: int, types: list[str]) -> type[Operation]:
    """`operation_class=` for a route whose `status` answer comes in any of `types`.

    Litestar documents one media type per route; a route that serves several (the relay
    files: YAML, Python, JavaScript) lists each, with the same schema.
    """

    @dataclass
    class MediaTypesOperation(Operation):
        def __post_init__(self) -> None:
            response = (self.responses or {}).get(str(status))
            if isinstance(response, OpenAPIResponse) and response.content:
                documented = next(iter(response.content.values()))
                response.content = {media_type: documented for media_type in types}

    return MediaTypesOperation

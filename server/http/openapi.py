"""OpenAPI documentation of the error answers a route can give (SPEC 9: every status code)."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec

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
    413: "The body is larger than 1 MiB.",
    415: "The body is not sent as JSON.",
}

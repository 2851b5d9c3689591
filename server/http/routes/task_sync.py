"""`POST /api/v1/projects/{project_id}/task-sync/`: the webhook sources push tasks into.

The order is the contract (SPEC 3, 4.6): authenticate (the one 401), count the request
against the project's window (429), and only then read and check the body, so every
authenticated answer, validation failures included, carries the `RateLimit-*` headers.
"""

from __future__ import annotations

from typing import Annotated, Any, cast

import msgspec
from litestar import Request, Response, post
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, Parameter

from server.clock import isoformat
from server.errors import BodyTooLarge, DomainError, InvalidInput, RateLimited, Unavailable
from server.http.auth import CHALLENGE, AppServices
from server.http.body import decode, read_body
from server.http.client_ip import client_ip
from server.http.openapi import json_body
from server.http.problems import PROBLEM_JSON, Problem, problem_type
from server.push import ACCEPTED_FIELDS, DECODER, Payload, check_payload
from server.ratelimit import Decision, push_limit
from server.services import Services
from server.storage.database import StorageUnavailable
from server.sync import DryRun, Outcome, PushContext, PushResult, push_job
from server.sync_auth import Verdict, authenticate, record_rejection
from server.token_cache import CachedToken

# Built once: every authentication failure answers with exactly these bytes (SPEC 3).
UNAUTHORIZED_BODY = msgspec.json.encode(
    Problem(
        type=problem_type(401),
        title="Unauthorized",
        status=401,
        detail="Send a valid API token of this project as `Authorization: Bearer tppm_…`.",
    )
)

_DRY_RUN_VALUES = {"true": True, "1": True, "false": False, "0": False}

_PROBLEMS = {
    400: "A field broke a rule (`errors` names each), or `dry_run` is not a boolean.",
    401: "The same answer for every authentication failure.",
    408: "The body did not arrive in time (TASKSYNC_BODY_TIMEOUT_SECONDS).",
    413: "The body is larger than 1 MiB.",
    415: "The body is not sent as JSON.",
    429: "The project's rate limit is spent; retry after `Retry-After` seconds.",
    503: "The database cannot take writes; retry after `Retry-After` seconds.",
}
_RESPONSES = {
    201: ResponseSpec(PushResult, description="The task was created."),
    **{
        status: ResponseSpec(
            Problem, description=text, media_type=PROBLEM_JSON, generate_examples=False
        )
        for status, text in _PROBLEMS.items()
    },
}


@post(
    "/api/v1/projects/{project_id:str}/task-sync/",
    operation_class=json_body(Payload),
    status_code=200,
    tags=["task-sync"],
    summary="Push a task",
    response_description="The task existed and was updated (or the push was stale).",
    responses=_RESPONSES,
)
async def task_sync(
    request: Request[Any, Any, Any],
    services: AppServices,
    project_id: FromPath[str],
    dry_run: Annotated[
        str | None,
        Parameter(description="`true` checks everything and answers without writing"),
    ] = None,
) -> Response[PushResult]:
    """Create or update the task of `(project, source, external_id)`: 201 created, 200 updated.

    The body is `Payload`; unknown fields are rejected.
    """
    verdict = await authenticate(services, request.headers.get("authorization"), project_id)
    if verdict.token is None:
        return _unauthorized(request, services, verdict)
    token = verdict.token
    request.state.token_prefix = token.token_prefix
    decision = _admit(services, token)
    try:
        return await _push(request, services, token, dry_run, decision)
    except DomainError as exc:
        services.metrics.pushes.labels("invalid").inc()
        exc.headers = {**exc.headers, **decision.headers()}
        raise
    except StorageUnavailable as exc:
        # Still an authenticated answer: the relay paces itself by these headers too.
        raise Unavailable(
            "The database cannot take writes right now; retry later.",
            headers={"Retry-After": "5", **decision.headers()},
        ) from exc


def _unauthorized(
    request: Request[Any, Any, Any], services: AppServices, verdict: Verdict
) -> Response[PushResult]:
    services.metrics.auth_failures.inc()
    background = None
    if verdict.rejected is not None:
        # After the answer is sent, so writing it cannot make this 401 slower than others.
        ip = client_ip(request, services.settings)
        background = BackgroundTask(record_rejection, services, verdict.rejected, ip)
    response = Response(
        content=UNAUTHORIZED_BODY,
        status_code=401,
        media_type=PROBLEM_JSON,
        headers=CHALLENGE,
        background=background,
    )
    return cast(Response[PushResult], response)


def _admit(services: Services, token: CachedToken) -> Decision:
    settings = services.settings
    limit = push_limit(settings, token.backfill_until, services.clock.now())
    decision = services.limiter.acquire(token.project_id, limit, services.clock.monotonic())
    if not decision.allowed:
        services.metrics.rate_limited.inc()
        raise RateLimited(
            f"This project may push {limit} times in {settings.rate_window_seconds} seconds.",
            headers={"Retry-After": str(settings.rate_window_seconds), **decision.headers()},
        )
    return decision


async def _push(
    request: Request[Any, Any, Any],
    services: Services,
    token: CachedToken,
    dry_run_value: str | None,
    decision: Decision,
) -> Response[PushResult]:
    dry_run = _dry_run(dry_run_value)
    try:
        body = await read_body(request)
    except HTTPException as exc:
        if exc.status_code == 413:
            raise BodyTooLarge("The body is larger than 1048576 bytes.") from None
        raise
    push = check_payload(decode(body, DECODER, ACCEPTED_FIELDS))
    context = PushContext(
        project_id=token.project_id,
        token=token,
        source_ip=client_ip(request, services.settings),
        now=isoformat(services.clock.now()),
    )
    job = push_job(context, push, dry_run=dry_run)
    try:
        outcome: Outcome = await services.db.write(job)
    except DryRun as rolled_back:
        answer = msgspec.structs.replace(rolled_back.outcome.answer, dry_run=True)
        return _answer(answer, decision)
    services.metrics.pushes.labels(outcome.result).inc()
    return _answer(outcome.answer, decision)


def _answer(answer: PushResult, decision: Decision) -> Response[PushResult]:
    return Response(
        content=answer,
        status_code=201 if answer.created else 200,
        headers=decision.headers(),
    )


def _dry_run(value: str | None) -> bool:
    if value is None:
        return False
    found = _DRY_RUN_VALUES.get(value.strip().lower())
    if found is None:
        raise InvalidInput.one("dry_run", "must be true, false, 1 or 0")
    return found


routes = [task_sync]

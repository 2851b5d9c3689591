"""Contract fuzzing: requests generated from the served OpenAPI document, against a live server.

Every operation of `/schema/openapi.json` is called with generated path parameters, queries
and bodies (valid and invalid), as the administrator (a JWT) and, for task-sync, with a live
`tppm_` token. Path parameters are either generated or the id of a real project, task, token,
member or relay kind, so both the 400/404 paths and the real handlers are exercised.

Every answer must be: no 5xx, a status code the operation documents, a body that matches the
documented schema, the documented content type and headers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.app import create_app
from server.config import load_settings
from server.tools import add_user
from tests.conftest import ADMIN_EMAIL, PASSWORD, LiveServer, login, start_server, stop_server

# Per operation; about 30 operations make the whole run last about two minutes on 2 cores.
MAX_EXAMPLES = 40
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Fuzzing must not stop at the rate limit: 429 is documented, but it would hide everything
# behind it. The mint limit (10 a minute per user) stays: its 429 is part of the contract.
LIMITS = {"TASKSYNC_RATE_LIMIT": "1000000", "TASKSYNC_BACKFILL_RATE_LIMIT": "1000000"}


@dataclass
class World:
    """A live server and the real things its path parameters can point at."""

    server: LiveServer
    jwt: dict[str, str]
    push_token: str
    ids: dict[str, str]


def _build_world(server: LiveServer) -> World:
    with server.client() as http:
        jwt = login(http, ADMIN_EMAIL)
        member = _ok(http.post("/api/v1/users/", json=_person("member"), headers=jwt))
        project = _ok(http.post("/api/v1/projects/", json={"name": "Fuzzed"}, headers=jwt))
        base = f"/api/v1/projects/{project['id']}"
        _ok(http.post(f"{base}/members/", json={"email": member["email"]}, headers=jwt))
        pusher = _ok(http.post(f"{base}/api-tokens/", json={"name": "pusher"}, headers=jwt))
        # A second token whose id the fuzzer may revoke without stopping task-sync.
        target = _ok(http.post(f"{base}/api-tokens/", json={"name": "target"}, headers=jwt))
        bearer = {"Authorization": f"Bearer {pusher['token']}"}
        task = _ok(
            http.post(
                f"{base}/task-sync/",
                json={"source": "jira", "external_id": "FZ-1", "status": "In Progress"},
                headers=bearer,
            )
        )
        _ok(
            http.post(
                f"{base}/sprints/",
                json={"name": "S1", "start": "2026-01-05", "end": "2026-01-16"},
                headers=jwt,
            )
        )
    ids = {
        "project_id": project["id"],
        "task_id": task["task_id"],
        "token_id": target["id"],
        "user_id": member["id"],
        "kind": "jira-relay",
    }
    return World(server, jwt, pusher["token"], ids)


def _person(name: str) -> dict[str, str]:
    return {"email": f"{name}@example.com", "name": name, "password": PASSWORD}


def _ok(response: httpx.Response) -> Any:
    assert response.is_success, response.text
    return response.json()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir: Path = tmp_path_factory.mktemp("contract") / "data"
    add_user(load_settings({}, data_dir=data_dir), ADMIN_EMAIL, "Admin", PASSWORD)
    server = start_server(data_dir, **LIMITS)
    try:
        built = _build_world(server)
        REAL_IDS.update(built.ids)
        yield built
    finally:
        stop_server(server)
        assert "Traceback" not in server.log(), server.log()


def _document() -> dict[str, Any]:
    """The OpenAPI document as the app builds it; the live server must serve the same one."""
    offline = load_settings({}, data_dir=Path("unused"), secret_key="k" * 40)
    # Through JSON as the server sends it (its generated examples hold msgspec structs).
    document: dict[str, Any] = msgspec.json.decode(
        msgspec.json.encode(create_app(offline).openapi_schema.to_schema())
    )
    return document


DOCUMENT = _document()
REAL_IDS: dict[str, str] = {}  # filled by the `world` fixture before any case is generated
schema = schemathesis.openapi.from_dict(DOCUMENT)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    # Each parameter is the generated value or a real id: the 404s and the real handlers both.
    choices = {
        name: st.sampled_from([REAL_IDS[name], value]) if name in REAL_IDS else st.just(value)
        for name, value in (path_parameters or {}).items()
    }
    return st.fixed_dictionaries(choices)


def test_the_live_server_serves_the_document_under_test(world: World) -> None:
    served = httpx.get(f"{world.server.url}/schema/openapi.json").json()
    assert served == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,  # the same cases every run; nothing written into the work tree
)
def test_every_answer_is_documented_and_no_answer_is_a_server_error(
    case: Any, world: World
) -> None:
    headers = dict(world.jwt)
    if case.operation.path.endswith("/task-sync"):
        headers = {"Authorization": f"Bearer {world.push_token}"}
    case.call_and_validate(
        base_url=world.server.url, headers=headers, checks=CHECKS, timeout=30
    )

"""Hostile bodies and connections against a live server, over real sockets.

Each one gets a clear 4xx problem (or a timeout that frees the connection), writes nothing,
and leaves the server healthy.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.hostile.wire import (
    Site,
    exchange,
    read_response,
    request_head,
    status_of,
    wait_closed,
)

TEXT_FIELDS = (
    "source",
    "external_id",
    "name",
    "description",
    "status",
    "assignee_email",
    "external_url",
    "parent_external_id",
    "updated_at",
)
TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def unchanged(site: Site) -> Iterator[None]:
    """Nothing is written by the test, and the server answers /healthz after it."""
    before = site.counts()
    yield
    assert site.counts() == before
    assert site.healthy()


def push(site: Site, body: bytes, content_type: str | None = "application/json") -> tuple:
    headers = {"Authorization": f"Bearer {site.token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    with site.http() as http:
        response = http.post(site.push_path, content=body, headers=headers)
    problem = response.json()
    return response.status_code, problem


def fields_of(problem: dict) -> list[str]:
    return [error["field"] for error in problem.get("errors", [])]


def valid(**fields: object) -> dict:
    return {"source": "jira", "external_id": "H-1", **fields}


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b"{" * 100_000,
        b'{"source": "jira", "external_id": "H-1", "name": ' + b"[" * 100_000,
        b'{"source": "jira", "external_id": "H-1", "name": ' + b"[" * 50_000 + b"]" * 50_000,
        b'{"nested": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001,
    ],
    ids=["arrays", "objects", "unclosed-in-field", "closed-in-field", "objects-in-unknown"],
)
@pytest.mark.usefixtures("unchanged")
def test_deeply_nested_json_is_a_400(site: Site, body: bytes) -> None:
    status, problem = push(site, body)
    assert status == 400
    assert problem["errors"]


@pytest.mark.parametrize(
    ("number", "field"),
    [
        (b"1e999999", "story_points"),
        (b"-1e999999", "story_points"),
        (b"1" + b"0" * 400, "story_points"),
        (b"-1" + b"0" * 400, "story_points"),
        (b"1" + b"0" * 400, "name"),
        (b"1e999999", "external_id"),
    ],
)
@pytest.mark.usefixtures("unchanged")
def test_huge_numbers_are_a_400_naming_the_field(site: Site, number: bytes, field: str) -> None:
    body = b'{"source": "jira", "external_id": "H-1", "%s": %s}' % (field.encode(), number)
    if field == "external_id":
        body = b'{"source": "jira", "external_id": %s}' % number
    status, problem = push(site, body)
    assert status == 400
    assert fields_of(problem) == [field]


def test_a_duplicate_key_takes_the_last_value(site: Site) -> None:
    body = b'{"source": "jira", "external_id": "DUP-1", "external_id": "DUP-2"}'
    status, answer = push(site, body)
    assert status == 201
    with site.http() as http:
        task = http.get(
            f"/api/v1/projects/{site.project_id}/tasks/{answer['task_id']}/", headers=site.jwt
        ).json()
    assert task["link"]["external_id"] == "DUP-2"
    assert site.healthy()


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
@pytest.mark.usefixtures("unchanged")
def test_nul_and_control_characters_in_any_text_field_are_a_400(
    site: Site, field: str, character: str
) -> None:
    body = valid(**{field: f"a{character}b"})
    status, problem = push(site, json.dumps(body).encode())
    assert status == 400
    assert fields_of(problem) == [field]


@pytest.mark.usefixtures("unchanged")
def test_a_trailing_newline_does_not_slip_past_the_source_pattern(site: Site) -> None:
    status, problem = push(site, json.dumps(valid(source="jira\n")).encode())
    assert (status, fields_of(problem)) == (400, ["source"])


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("escape", [b"\\ud800", b"\\udfff", b"x\\ud83d"])
@pytest.mark.usefixtures("unchanged")
def test_a_lone_surrogate_in_any_text_field_is_a_400(
    site: Site, field: str, escape: bytes
) -> None:
    others = {k: v for k, v in valid().items() if k != field}
    head = json.dumps(others).encode()[:-1]
    body = head + b', "%s": "%s"}' % (field.encode(), escape)
    status, problem = push(site, body)
    assert (status, fields_of(problem)) == (400, [field])


@pytest.mark.parametrize(
    "raw", [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf"]
)
@pytest.mark.usefixtures("unchanged")
def test_bytes_that_are_not_utf8_are_a_400(site: Site, raw: bytes) -> None:
    body = b'{"source": "jira", "external_id": "H-' + raw + b'"}'
    status, problem = push(site, body)
    assert (status, fields_of(problem)) == (400, ["external_id"])


@pytest.mark.usefixtures("unchanged")
def test_a_declared_10_mb_body_is_a_413_before_it_is_sent(site: Site) -> None:
    head = request_head(
        site,
        "POST",
        site.push_path,
        {
            "Authorization": f"Bearer {site.token}",
            "Content-Type": "application/json",
            "Content-Length": str(TEN_MB),
        },
    )
    response = exchange(site, head + b'{"source": ')
    assert status_of(response) == 413
    assert b"application/problem+json" in response


@pytest.mark.usefixtures("unchanged")
def test_a_chunked_10_mb_body_is_a_413(site: Site) -> None:
    head = request_head(
        site,
        "POST",
        site.push_path,
        {
            "Authorization": f"Bearer {site.token}",
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
        },
    )
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * 64 * 1024)
    with socket.create_connection(site.address, timeout=10) as sock:
        sock.sendall(head)
        try:
            for _ in range(TEN_MB // (64 * 1024)):
                sock.sendall(chunk)
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading once past the limit, as it should
        response = read_response(sock)
    assert status_of(response) == 413


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "multipart/form-data; boundary=x", "application/xml", "image/png", "*/*"],
)
@pytest.mark.usefixtures("unchanged")
def test_a_wrong_content_type_is_a_415(site: Site, content_type: str) -> None:
    status, problem = push(site, json.dumps(valid()).encode(), content_type)
    assert status == 415
    assert "application/json" in problem["detail"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"source=jira&external_id=H-1"),
        (None, b"source=jira"),
        ("application/json", b""),
        ("application/json", b'"a string"'),
        ("application/json", b"null"),
        ("application/json", b'{"source": "jira", "external_id": "H-1"} trailing'),
    ],
)
@pytest.mark.usefixtures("unchanged")
def test_a_body_that_is_not_a_json_object_is_a_400(
    site: Site, content_type: str | None, body: bytes
) -> None:
    status, problem = push(site, body, content_type)
    assert status == 400
    assert fields_of(problem) == ["body"]


def _stalled_body(site: Site) -> socket.socket:
    sock = socket.create_connection(site.address, timeout=10)
    head = request_head(
        site,
        "POST",
        site.push_path,
        {
            "Authorization": f"Bearer {site.token}",
            "Content-Type": "application/json",
            "Content-Length": "200",
        },
    )
    sock.sendall(head + b'{"source": "ji')
    return sock


@pytest.mark.usefixtures("unchanged")
def test_a_stalled_body_is_a_408_and_the_connection_is_closed(site: Site) -> None:
    started = time.monotonic()
    with _stalled_body(site) as sock:
        response = wait_closed(sock, within=8)
    assert status_of(response) == 408
    assert b"connection: close" in response.lower()
    assert b"request-timeout" in response
    assert time.monotonic() - started < 6  # the 2 s timeout of this server, plus slack


@pytest.mark.usefixtures("unchanged")
def test_many_slow_connections_do_not_stop_normal_requests(site: Site) -> None:
    slow = [_stalled_body(site) for _ in range(100)]
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool, site.http() as http:
            statuses = list(pool.map(lambda _: http.get("/healthz").status_code, range(40)))
            tasks = http.get(f"/api/v1/projects/{site.project_id}/tasks/", headers=site.jwt)
        assert statuses == [200] * 40
        assert tasks.status_code == 200
        assert time.monotonic() - started < 5  # answered while all 100 are still stalled
        answers = [wait_closed(sock, within=10) for sock in slow]
    finally:
        for sock in slow:
            sock.close()
    assert {status_of(answer) for answer in answers} == {408}


@pytest.mark.usefixtures("unchanged")
def test_a_huge_header_is_refused_or_answered_never_a_crash(site: Site) -> None:
    head = request_head(
        site,
        "POST",
        site.push_path,
        {
            "Authorization": f"Bearer {site.token}",
            "X-Padding": "a" * 200_000,
            "Content-Type": "application/json",
            "Content-Length": "2",
        },
    )
    response = exchange(site, head + b"{}")
    # httptools sets no header size limit: the request is read and answered on its merits.
    assert status_of(response) == 400


@pytest.mark.usefixtures("unchanged")
def test_a_huge_authorization_header_is_the_generic_401(site: Site) -> None:
    head = request_head(
        site,
        "POST",
        site.push_path,
        {"Authorization": "Bearer tppm_" + "a" * 200_000, "Content-Length": "2"},
    )
    assert status_of(exchange(site, head + b"{}")) == 401


@pytest.mark.usefixtures("unchanged")
def test_stalled_request_heads_are_closed_and_do_not_block_others(site: Site) -> None:
    stalled = [socket.create_connection(site.address, timeout=5) for _ in range(50)]
    try:
        for sock in stalled:
            sock.sendall(b"POST /api/v1/projects/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert site.healthy()
        # Closed without an answer once the head is overdue (2 s on this server).
        assert [wait_closed(sock, within=8) for sock in stalled] == [b""] * 50
    finally:
        for sock in stalled:
            sock.close()


@pytest.mark.usefixtures("unchanged")
def test_a_stalled_head_after_a_kept_alive_answer_is_closed(site: Site) -> None:
    with socket.create_connection(site.address, timeout=5) as sock:
        sock.sendall(request_head(site, "GET", "/healthz", {}))
        assert status_of(read_response(sock)) == 200
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")
        assert wait_closed(sock, within=8) == b""


@pytest.mark.usefixtures("unchanged")
def test_a_connection_that_sends_nothing_is_closed(site: Site) -> None:
    with socket.create_connection(site.address, timeout=5) as sock:
        assert wait_closed(sock, within=8) == b""

"""Signature checks over the raw body: anything but the exact signed bytes is a 401, and a
refused webhook forwards nothing (SPEC 7)."""

from __future__ import annotations

import http.client
import json

import pytest

from tests.relays.conftest import JIRA_ENV, LINEAR_ENV, TOKEN, Relays
from tests.relays.expected import FIXTURES
from tests.relays.signing import jira_headers, linear_headers, now_ms, with_timestamp
from tests.relays.stub import CaptureStub

JIRA_KINDS = ["jira-relay", "jira-worker"]
LINEAR_KINDS = ["linear-worker", "linear-vercel"]
JIRA_BODY = (FIXTURES / "jira" / "cloud-issue-updated-status-in-progress.json").read_bytes()
LINEAR_BODY = (FIXTURES / "linear" / "issue-update-title.json").read_bytes()


def reserialised(raw: bytes) -> bytes:
    # Same JSON value, different bytes: what a framework that parses before verifying sees.
    return json.dumps(json.loads(raw)).encode()


def one_byte_changed(raw: bytes) -> bytes:
    at = raw.index(b"Unit test summary 1") if b"Unit test" in raw else raw.index(b"outage")
    return raw[:at] + bytes([raw[at] ^ 0x20]) + raw[at + 1 :]


def assert_refused(answer_status: int, stub: CaptureStub) -> None:
    assert answer_status == 401
    assert stub.requests == []


@pytest.mark.parametrize("kind", JIRA_KINDS)
def test_jira_body_signed_over_raw_bytes_passes(
    kind: str, relays: Relays, stub: CaptureStub
) -> None:
    answer = relays.deliver(kind, JIRA_BODY, jira_headers(JIRA_BODY), JIRA_ENV)

    assert answer.status == 200
    assert len(stub.pushes()) == 1


@pytest.mark.parametrize("kind", JIRA_KINDS)
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda raw, headers: (reserialised(raw), headers), id="reserialised"),
        pytest.param(lambda raw, headers: (one_byte_changed(raw), headers), id="one-byte"),
        pytest.param(lambda raw, headers: (raw, {}), id="no-header"),
        pytest.param(
            lambda raw, headers: (raw, {"X-Hub-Signature": headers["X-Hub-Signature"][7:]}),
            id="no-sha256-prefix",
        ),
        pytest.param(lambda raw, headers: (raw, jira_headers(raw, "wrong")), id="other-secret"),
    ],
)
def test_jira_tampered_delivery_is_refused_and_not_forwarded(
    kind: str, tamper: object, relays: Relays, stub: CaptureStub
) -> None:
    body, headers = tamper(JIRA_BODY, jira_headers(JIRA_BODY))  # type: ignore[operator]

    answer = relays.deliver(kind, body, headers, JIRA_ENV)

    assert_refused(answer.status, stub)


@pytest.mark.parametrize("kind", LINEAR_KINDS)
def test_linear_body_signed_over_raw_bytes_passes(
    kind: str, relays: Relays, stub: CaptureStub
) -> None:
    body = with_timestamp(LINEAR_BODY, now_ms())

    answer = relays.deliver(kind, body, linear_headers(body), LINEAR_ENV)

    assert answer.status == 200
    assert [push.json()["external_id"] for push in stub.pushes()] == ["WEB-44"]


@pytest.mark.parametrize("kind", LINEAR_KINDS)
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda raw, headers: (reserialised(raw), headers), id="reserialised"),
        pytest.param(lambda raw, headers: (one_byte_changed(raw), headers), id="one-byte"),
        pytest.param(lambda raw, headers: (raw, {}), id="no-header"),
        pytest.param(
            lambda raw, headers: (raw, linear_headers(raw, "wrong")), id="other-secret"
        ),
    ],
)
def test_linear_tampered_delivery_is_refused_and_not_forwarded(
    kind: str, tamper: object, relays: Relays, stub: CaptureStub
) -> None:
    body = with_timestamp(LINEAR_BODY, now_ms())
    body, headers = tamper(body, linear_headers(body))  # type: ignore[operator]

    answer = relays.deliver(kind, body, headers, LINEAR_ENV)

    assert_refused(answer.status, stub)


@pytest.mark.parametrize("kind", LINEAR_KINDS)
@pytest.mark.parametrize("age_ms", [61_000, -61_000], ids=["61s-old", "61s-ahead"])
def test_linear_signed_timestamp_beyond_60s_is_refused(
    kind: str, age_ms: int, relays: Relays, stub: CaptureStub
) -> None:
    body = with_timestamp(LINEAR_BODY, now_ms() - age_ms)

    answer = relays.deliver(kind, body, linear_headers(body), LINEAR_ENV)

    assert_refused(answer.status, stub)


@pytest.mark.parametrize("kind", LINEAR_KINDS)
def test_linear_timestamp_50s_old_is_still_accepted(
    kind: str, relays: Relays, stub: CaptureStub
) -> None:
    body = with_timestamp(LINEAR_BODY, now_ms() - 50_000)

    answer = relays.deliver(kind, body, linear_headers(body), LINEAR_ENV)

    assert answer.status == 200
    assert len(stub.pushes()) == 1


@pytest.mark.parametrize("kind", ["jira-worker", *LINEAR_KINDS])
def test_js_relay_without_its_webhook_secret_refuses_every_delivery(
    kind: str, relays: Relays, stub: CaptureStub
) -> None:
    body = with_timestamp(LINEAR_BODY, now_ms()) if kind.startswith("linear") else JIRA_BODY

    answer = relays.deliver(kind, body, {}, {"TPPM_TOKEN": TOKEN})

    assert answer.status == 500
    assert stub.requests == []


def test_jira_worker_runs_unsigned_only_when_explicitly_allowed(
    relays: Relays, stub: CaptureStub
) -> None:
    env = {"TPPM_TOKEN": TOKEN, "TPPM_ALLOW_UNSIGNED": "1"}

    answer = relays.deliver("jira-worker", JIRA_BODY, {}, env)

    assert answer.status == 200
    assert len(stub.pushes()) == 1


@pytest.mark.parametrize("kind", ["jira-worker", "linear-worker"])
def test_worker_refuses_a_chunked_body_over_5_mib(
    kind: str, relays: Relays, stub: CaptureStub
) -> None:
    env = JIRA_ENV if kind.startswith("jira") else LINEAR_ENV
    body = b"{" + b" " * (5 * 1024 * 1024) + b"}"

    answer = relays.node.send("worker", relays.files[kind], env, body, stream=True)

    assert answer.status == 413
    assert stub.requests == []


def test_vercel_function_refuses_a_declared_body_over_5_mib_unread(
    relays: Relays, stub: CaptureStub
) -> None:
    # In-process there is no upload to race with, so the Content-Length check is observable.
    body = b"{" + b" " * (5 * 1024 * 1024) + b"}"
    headers = {"Content-Length": str(len(body))}

    answer = relays.deliver("linear-vercel", body, headers, LINEAR_ENV)

    assert answer.status == 413
    assert stub.requests == []


def test_python_relay_refuses_a_declared_body_over_5_mib(
    relays: Relays, stub: CaptureStub
) -> None:
    relays.deliver("jira-relay", JIRA_BODY, jira_headers(JIRA_BODY), JIRA_ENV)  # started
    stub.reset()
    relay = relays.python[json.dumps(JIRA_ENV, sort_keys=True)]
    host, port = relay.url.removeprefix("http://").rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)

    connection.putrequest("POST", "/")
    connection.putheader("Content-Length", str(5 * 1024 * 1024 + 1))
    connection.endheaders()  # the body is never sent: the relay must not wait for it
    response = connection.getresponse()

    assert response.status == 413
    assert stub.requests == []
    connection.close()

"""Sign webhook bodies the way Jira and Linear do, over the raw bytes."""

from __future__ import annotations

import hashlib
import hmac
import re
import time

JIRA_SECRET = "jira-webhook-secret-for-tests"
LINEAR_SECRET = "lin_wh_secret_for_tests"
_TIMESTAMP = re.compile(rb'("webhookTimestamp"\s*:\s*)([0-9]+)')


def hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def jira_headers(body: bytes, secret: str = JIRA_SECRET) -> dict[str, str]:
    # Jira admin webhooks: WebSub's `X-Hub-Signature: sha256=<hex of HMAC-SHA256(body)>`.
    return {
        "Content-Type": "application/json",
        "X-Hub-Signature": "sha256=" + hmac_hex(secret, body),
    }


def linear_headers(body: bytes, secret: str = LINEAR_SECRET) -> dict[str, str]:
    # Linear: `Linear-Signature: <hex of HMAC-SHA256(body)>`; the timestamp is in the body.
    return {"Content-Type": "application/json", "Linear-Signature": hmac_hex(secret, body)}


def now_ms() -> int:
    return int(time.time() * 1000)


def with_timestamp(raw: bytes, timestamp_ms: int) -> bytes:
    """The same bytes with only the digits of `webhookTimestamp` replaced (layout kept)."""
    replaced, count = _TIMESTAMP.subn(lambda m: m.group(1) + str(timestamp_ms).encode(), raw)
    assert count == 1, "expected exactly one webhookTimestamp"
    return replaced

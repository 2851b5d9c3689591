"""The Python relay as a process: it refuses to start unsigned, and serves when allowed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.relays.conftest import TOKEN, Relays
from tests.relays.expected import FIXTURES
from tests.relays.runners import BASE_ENV
from tests.relays.stub import CaptureStub

BODY = (FIXTURES / "jira" / "cloud-issue-created.json").read_bytes()


def run_briefly(script: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["python3", "-I", "-S", str(script)],
        env={**BASE_ENV, "PORT": "0", **env},
        capture_output=True,
        text=True,
        timeout=20,
    )


def test_jira_relay_refuses_to_start_without_webhook_secret(
    relay_files: dict[str, Path],
) -> None:
    result = run_briefly(relay_files["jira-relay"], {"TPPM_TOKEN": TOKEN})

    assert result.returncode != 0
    assert "JIRA_WEBHOOK_SECRET is not set" in result.stderr


def test_jira_relay_refuses_to_start_without_token(relay_files: dict[str, Path]) -> None:
    result = run_briefly(relay_files["jira-relay"], {"JIRA_WEBHOOK_SECRET": "s"})

    assert result.returncode != 0
    assert "TPPM_TOKEN is not set" in result.stderr


def test_jira_relay_refuses_account_emails_that_are_not_a_json_object(
    relay_files: dict[str, Path],
) -> None:
    env = {"TPPM_TOKEN": TOKEN, "JIRA_WEBHOOK_SECRET": "s", "JIRA_ACCOUNT_EMAILS": "[1]"}

    result = run_briefly(relay_files["jira-relay"], env)

    assert result.returncode != 0
    assert "JIRA_ACCOUNT_EMAILS" in result.stderr


def test_jira_relay_accepts_unsigned_webhooks_when_allowed(
    relays: Relays, stub: CaptureStub
) -> None:
    env = {"TPPM_TOKEN": TOKEN, "TPPM_ALLOW_UNSIGNED": "1"}

    answer = relays.deliver("jira-relay", BODY, {"Content-Type": "application/json"}, env)

    assert answer.status == 200
    assert stub.pushes()[0].json()["external_id"] == "TES-41"


def test_jira_relay_binds_loopback_unless_host_says_otherwise(relays: Relays) -> None:
    env = {"TPPM_TOKEN": TOKEN, "TPPM_ALLOW_UNSIGNED": "1"}
    relays.deliver("jira-relay", BODY, {}, env)

    assert {relay.host for relay in relays.python.values()} == {"127.0.0.1"}

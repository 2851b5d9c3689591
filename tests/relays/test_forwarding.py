"""Every shared webhook fixture through every generated relay, run in its own runtime.

Each forwarded payload must match EXPECTED.md and be exactly what the Python mapping (the
importer's) makes of the same body, so the relays and the importer cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from relays.mappings import translate
from tests.relays.conftest import JIRA_ENV, LINEAR_ENV, PROJECT_ID, TOKEN, Relays, read_json
from tests.relays.expected import FIXTURES, check_against_expected, fixture_paths, load_expected
from tests.relays.runners import run_github_step
from tests.relays.signing import jira_headers, linear_headers, now_ms, with_timestamp
from tests.relays.stub import CaptureStub

CASES = [
    pytest.param(kind, path, id=f"{kind}:{path.name}")
    for kind, source in (
        ("jira-relay", "jira"),
        ("jira-worker", "jira"),
        ("linear-worker", "linear"),
        ("linear-vercel", "linear"),
    )
    for path in fixture_paths(source)
]


def fixture_name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_expected_md_covers_every_fixture() -> None:
    names = {
        fixture_name(p)
        for source in ("github", "jira", "linear")
        for p in fixture_paths(source)
    }
    assert set(load_expected()) == names
    assert len(names) == 21


def assert_forwarded_as_expected(stub: CaptureStub, path: Path) -> None:
    source = path.parent.name
    pushes = stub.pushes()
    payload = pushes[0].json() if pushes else None
    assert len(pushes) <= 1
    check_against_expected(fixture_name(path), payload)
    assert payload == translate(source, read_json(path))
    if pushes:
        assert pushes[0].path == f"/api/v1/projects/{PROJECT_ID}/task-sync/"
        assert pushes[0].headers["authorization"] == f"Bearer {TOKEN}"
        assert pushes[0].headers["content-type"] == "application/json"


@pytest.mark.parametrize(("kind", "path"), CASES)
def test_signed_fixture_is_forwarded_as_expected_md_says(
    kind: str, path: Path, relays: Relays, stub: CaptureStub
) -> None:
    raw = path.read_bytes()
    if kind.startswith("jira"):
        answer = relays.deliver(kind, raw, jira_headers(raw), JIRA_ENV)
    else:
        raw = with_timestamp(raw, now_ms())
        answer = relays.deliver(kind, raw, linear_headers(raw), LINEAR_ENV)

    assert answer.status == 200, answer.body
    assert answer.json()["forwarded"] is (load_expected()[fixture_name(path)] is not None)
    assert_forwarded_as_expected(stub, path)


@pytest.mark.parametrize("path", fixture_paths("github"), ids=lambda p: p.name)
def test_github_workflow_step_forwards_fixture_as_expected_md_says(
    path: Path, relay_files: dict[str, Path], stub: CaptureStub, tmp_path: Path
) -> None:
    workflow = relay_files["github-actions"].read_text(encoding="utf-8")

    result = run_github_step(workflow, path.read_bytes(), tmp_path, {"TPPM_TOKEN": TOKEN})

    assert result.returncode == 0, result.stderr + result.stdout
    assert_forwarded_as_expected(stub, path)


def test_fixture_directory_is_the_shared_one() -> None:
    assert (FIXTURES / "EXPECTED.md").is_file()
    assert FIXTURES.resolve().parent.parent.name == "shared"

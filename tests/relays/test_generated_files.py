"""The generated files as text: golden copies, syntax checks, and what must never be in them.

Regenerate the golden files after an intended change with
`TASKSYNC_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/relays/test_generated_files.py`
and review the diff like code.
"""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path

import pytest

from relays.generator import KINDS, render

GOLDEN = Path(__file__).resolve().parent / "golden"
GOLDEN_URL = "https://tasks.example.com"
GOLDEN_PROJECT = "0b6f3a4e-5c1d-4e2f-9a8b-7c6d5e4f3a2b"


@pytest.mark.parametrize("kind", list(KINDS))
def test_rendered_relay_matches_its_golden_file(kind: str) -> None:
    rendered = render(kind, url=GOLDEN_URL, project_id=GOLDEN_PROJECT)
    golden = GOLDEN / (rendered.filename + ".golden")

    if os.environ.get("TASKSYNC_REGEN_GOLDEN") == "1":
        golden.write_text(rendered.text, encoding="utf-8")

    assert rendered.text == golden.read_text(encoding="utf-8"), (
        f"{golden.name} is stale; see this module's docstring to regenerate"
    )


@pytest.mark.parametrize("kind", ["jira-worker", "linear-worker", "linear-vercel"])
def test_javascript_relay_passes_node_check(kind: str, relay_files: dict[str, Path]) -> None:
    result = subprocess.run(
        ["node", "--check", str(relay_files[kind])], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr


def test_python_relay_compiles_and_parses_as_python_3_9(relay_files: dict[str, Path]) -> None:
    path = relay_files["jira-relay"]
    result = subprocess.run(
        ["python3", "-m", "py_compile", str(path)], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    ast.parse(path.read_text(encoding="utf-8"), feature_version=(3, 9))


def test_python_relay_imports_only_the_standard_library(relay_files: dict[str, Path]) -> None:
    tree = ast.parse(relay_files["jira-relay"].read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }

    assert imported <= {
        "__future__", "collections", "hashlib", "hmac", "http", "json", "logging", "math",
        "os", "re", "sys", "typing", "urllib",
    }  # fmt: skip


@pytest.mark.parametrize("kind", list(KINDS))
def test_relay_carries_url_and_project_but_no_secret(kind: str) -> None:
    text = render(kind, url=GOLDEN_URL, project_id=GOLDEN_PROJECT).text

    assert f"{GOLDEN_URL}/api/v1/projects/{GOLDEN_PROJECT}/task-sync/" in text
    assert "tppm_" + "0" not in text and "Bearer tppm_" not in text
    for secret_name in ("TPPM_TOKEN", "WEBHOOK_SECRET"):
        # named (read at run time), never assigned a literal value
        assert f'{secret_name} = "' not in text and f"{secret_name}='" not in text


@pytest.mark.parametrize("kind", list(KINDS))
def test_relay_header_says_how_to_deploy(kind: str) -> None:
    header = render(kind, url=GOLDEN_URL, project_id=GOLDEN_PROJECT).text[:1500]

    assert "Deploy" in header
    assert "TPPM_TOKEN" in header
    if kind != "github-actions":
        assert ("JIRA_WEBHOOK_SECRET" in header) or ("LINEAR_WEBHOOK_SECRET" in header)

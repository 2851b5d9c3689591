from __future__ import annotations

import pytest
from click.testing import CliRunner

from server.cli import main


@pytest.mark.parametrize("workers", ["2", "0", "8"])
def test_serve_refuses_any_worker_count_but_one(workers: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--workers", workers])

    assert result.exit_code == 2
    assert "tasksync runs as exactly one process" in result.output
    assert "rate-limit window is kept in memory" in result.output


def test_serve_help_says_why_workers_stays_one() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])

    assert result.exit_code == 0
    assert "Must stay 1: the rate-limit window lives in this process." in result.output

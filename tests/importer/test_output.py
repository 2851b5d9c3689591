"""What the importer prints and writes: periodic lines, the rejects file, the summary."""

from __future__ import annotations

import io
import json
from pathlib import Path

from server.importer.output import PlainProgress, RejectsFile, clock_text, summary
from server.importer.reader import Line
from server.importer.runner import Rejection, Totals


def test_plain_progress_prints_count_rate_and_eta_lines() -> None:
    out = io.StringIO()
    progress = PlainProgress(out, every=0)

    progress.start(10)
    progress.advance(Totals(created=3, rejected=1, pending=6))

    first, second = out.getvalue().splitlines()
    assert first == "pushing 10 lines"
    assert second.startswith("4/10 pushed, ")
    assert "/s, ETA " in second


def test_plain_progress_stays_quiet_between_periods() -> None:
    out = io.StringIO()
    progress = PlainProgress(out, every=3600)

    progress.start(10)
    progress.advance(Totals(created=1))

    assert out.getvalue() == "pushing 10 lines\n"


def test_the_summary_names_every_count_and_only_the_extras_that_happened() -> None:
    assert summary(Totals(created=5, updated=2, unchanged=1, rejected=3), 2.0) == (
        "created 5, updated 2, unchanged 1, rejected 3, elapsed 2.0s, 4.0/s"
    )
    assert summary(Totals(skipped=7, rate_limited=1, pending=2), 0.5) == (
        "created 0, updated 0, unchanged 0, rejected 0, elapsed 0.5s; "
        "7 skipped (imported by an earlier run), 1 429s waited out, 2 not pushed yet"
    )


def test_rejects_are_json_lines_with_the_line_number_reason_and_payload(tmp_path: Path) -> None:
    path = tmp_path / "rejects.jsonl"
    rejects = RejectsFile(path)
    sent = Line(
        4, b'{"source":"Jira","external_id":"A"}', {"source": "Jira", "external_id": "A"}
    )
    unreadable = Line(9, b"{oops", None, "not valid JSON")

    rejects.write(Rejection(sent, 400, "source: bad", [{"field": "source", "message": "bad"}]))
    rejects.write(Rejection(unreadable, 0, "not valid JSON", []))
    rejects.close()

    assert [json.loads(line) for line in path.read_text().splitlines()] == [
        {
            "line": 4,
            "status": 400,
            "detail": "source: bad",
            "errors": [{"field": "source", "message": "bad"}],
            "payload": {"source": "Jira", "external_id": "A"},
        },
        {
            "line": 9,
            "status": None,
            "detail": "not valid JSON",
            "errors": [],
            "payload": "{oops",
        },
    ]


def test_a_run_without_rejects_writes_no_file(tmp_path: Path) -> None:
    RejectsFile(tmp_path / "rejects.jsonl").close()

    assert not (tmp_path / "rejects.jsonl").exists()


def test_durations_read_as_minutes_and_seconds() -> None:
    assert [clock_text(s) for s in (0, 59.4, 61, 3725)] == ["0s", "59s", "1m01s", "62m05s"]

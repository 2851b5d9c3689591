"""The push loop against a scripted server: retries, rejections, 429s and stopping."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from relays.mappings import MappingOptions
from server.importer.reader import read
from server.importer.runner import (
    Interrupted,
    Refused,
    Rejection,
    Retry,
    Runner,
    Totals,
    Unreachable,
)
from server.importer.state import ImportState

URL = "http://tasks.example/api/v1/projects/p/task-sync/"
OPTIONS = MappingOptions()
OK = {"task_id": "t", "short_id": "00000001", "assignee_resolved": False, "warnings": []}


class Collected:
    def __init__(self) -> None:
        self.rejections: list[Rejection] = []

    def write(self, rejection: Rejection) -> None:
        self.rejections.append(rejection)


class Quiet:
    def __init__(self, on_advance: Callable[[Totals], None] = lambda totals: None) -> None:
        self.on_advance = on_advance

    def start(self, total: int) -> None:
        pass

    def advance(self, totals: Totals) -> None:
        self.on_advance(totals)

    def stop(self) -> None:
        pass


def runner(
    tmp_path: Path,
    answers: Callable[[httpx.Request], httpx.Response],
    progress: Quiet | None = None,
) -> Runner:
    client = httpx.Client(transport=httpx.MockTransport(answers))
    return Runner(
        client=client,
        url=URL,
        target=URL,
        state=ImportState(tmp_path / "state.jsonl"),
        rejects=Collected(),
        progress=progress or Quiet(),
        retry=Retry(attempts=3, base_seconds=0.001, cap_seconds=0.001),
    )


def lines(count: int) -> list[bytes]:
    return [b'{"source":"jira","external_id":"J-%d"}' % i for i in range(count)]


def script(*responses: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    queue = list(responses)
    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    answer.sent = sent  # type: ignore[attr-defined]
    return answer


def created() -> httpx.Response:
    return httpx.Response(201, json={**OK, "created": True, "status": "BACKLOG"})


def test_5xx_and_connection_errors_are_retried_then_acknowledged(tmp_path: Path) -> None:
    answers = script(
        httpx.Response(503, json={"status": 503}),
        httpx.ConnectError("refused"),
        created(),
    )
    run = runner(tmp_path, answers)

    totals = run.run(read(lines(1)[0], "jsonl", OPTIONS))

    assert (totals.created, totals.retries, totals.rejected) == (1, 2, 0)
    assert answers.sent == [lines(1)[0]] * 3  # type: ignore[attr-defined]


def test_a_4xx_is_rejected_at_once_and_never_retried(tmp_path: Path) -> None:
    problem = {
        "type": "x",
        "title": "Invalid request",
        "status": 400,
        "detail": "story_points: must be a whole number",
        "errors": [{"field": "story_points", "message": "must be a whole number"}],
    }
    answers = script(httpx.Response(400, json=problem), created())
    run = runner(tmp_path, answers)

    totals = run.run(read(b"\n".join(lines(2)), "jsonl", OPTIONS))

    assert (totals.created, totals.rejected, totals.retries) == (1, 1, 0)
    [rejection] = run.rejects.rejections  # type: ignore[attr-defined]
    assert (rejection.line.number, rejection.status, rejection.errors) == (
        1,
        400,
        [{"field": "story_points", "message": "must be a whole number"}],
    )


def test_a_429_is_waited_out_and_the_same_line_sent_again(tmp_path: Path) -> None:
    answers = script(httpx.Response(429, headers={"Retry-After": "0"}), created())
    run = runner(tmp_path, answers)

    totals = run.run(read(lines(1)[0], "jsonl", OPTIONS))

    assert (totals.created, totals.rate_limited, totals.rejected) == (1, 1, 0)


def test_the_server_staying_down_stops_the_run_as_unreachable(tmp_path: Path) -> None:
    answers = script(*[httpx.Response(502) for _ in range(4)])
    run = runner(tmp_path, answers)

    with pytest.raises(Unreachable, match="the server answered 502 \\(after 3 retries\\)"):
        run.run(read(lines(1)[0], "jsonl", OPTIONS))


def test_200s_count_as_updated_or_unchanged(tmp_path: Path) -> None:
    stale = (
        "This push's updated_at (a) is older than the change already applied (b), "
        "so nothing was changed."
    )
    answers = script(
        httpx.Response(200, json={**OK, "created": False, "status": "BACKLOG"}),
        httpx.Response(200, json={**OK, "created": False, "status": "X", "warnings": [stale]}),
    )

    totals = runner(tmp_path, answers).run(read(b"\n".join(lines(2)), "jsonl", OPTIONS))

    assert (totals.updated, totals.unchanged, totals.warnings) == (1, 1, 1)


def test_a_stop_lets_the_push_in_flight_finish_and_a_rerun_pushes_the_rest_once(
    tmp_path: Path,
) -> None:
    stop = threading.Event()
    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        if len(sent) == 4:
            stop.set()  # Ctrl-C while the fourth push is in flight
        return created()

    file_lines = read(b"\n".join(lines(10)), "jsonl", OPTIONS)
    first = runner(tmp_path, answer)
    first.stop = stop
    with pytest.raises(Interrupted):
        first.run(file_lines)

    second = runner(tmp_path, answer).run(file_lines)

    assert (first.totals.created, second.skipped, second.created) == (4, 4, 6)
    assert sorted(sent) == sorted(lines(10))


@pytest.mark.parametrize(
    ("response", "why"),
    [
        pytest.param(httpx.Response(401), "refused the token", id="401"),
        pytest.param(
            httpx.Response(308, headers={"Location": "https://tasks.example/x"}),
            "redirects pushes \\(308\\) to https://tasks.example/x",
            id="redirect",
        ),
        pytest.param(httpx.Response(404), "no task-sync endpoint at", id="404"),
    ],
)
def test_answers_no_line_could_pass_stop_the_run_instead_of_rejecting_every_line(
    tmp_path: Path, response: httpx.Response, why: str
) -> None:
    run = runner(tmp_path, script(response))

    with pytest.raises(Refused, match=why):
        run.run(read(b"\n".join(lines(3)), "jsonl", OPTIONS))
    assert run.totals.rejected == 0

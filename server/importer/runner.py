"""Pushing the lines of an import, one at a time over one kept-alive connection.

Each line is sent when the pacer allows (`pacing`), and its answer decides what happens:

- 2xx: acknowledged; recorded in the state file, counted as created (201), updated or
  unchanged (200).
- 429: not the line's fault; `Retry-After` is waited out and the same line is sent again.
- 5xx or no answer (connection refused, reset, timed out): retried with exponential backoff
  and full jitter, up to `retries` times, then the run stops as `Unreachable`. A line whose
  answer was lost may have been applied; sending it again is safe because a push is an
  upsert by (source, external_id).
- 401: the token is not valid for this project; nothing else would be accepted either, so
  the run stops (`Refused`). So does a redirect or a 404/405: `--url` is not a tasksync.
- any other 4xx: the server rejected the line; it goes to the rejects file with the
  server's reasons and is never retried in this run.

A stop request (the first Ctrl-C) is honoured between lines: the push in flight gets its
answer and is recorded, so re-running resumes exactly after it.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import msgspec

from server.importer.pacing import Pacer
from server.importer.reader import Line
from server.importer.state import ImportState, line_key

RESULTS = ("created", "updated", "unchanged")


class Unreachable(Exception):
    """No usable answer from the server after every retry."""


class Refused(Exception):
    """The server refused the token (401): no line can be pushed with it."""


class Interrupted(Exception):
    """A stop was requested; everything acknowledged so far is recorded."""


@dataclass
class Totals:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0  # acknowledged by an earlier run
    warnings: int = 0
    rate_limited: int = 0  # 429s met (and waited out)
    retries: int = 0  # 5xx and connection errors retried
    pending: int = 0  # not attempted: the run stopped first


@dataclass(frozen=True)
class Rejection:
    line: Line
    status: int
    detail: str
    errors: list[dict[str, str]]


class Progress(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, totals: Totals) -> None: ...

    def stop(self) -> None: ...


class RejectSink(Protocol):
    def write(self, rejection: Rejection) -> None: ...


@dataclass
class Retry:
    attempts: int = 6
    base_seconds: float = 0.5
    cap_seconds: float = 30.0

    def backoff(self, attempt: int) -> float:
        # Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): clients
        # that failed together do not come back together.
        return random.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))


@dataclass
class Runner:
    client: httpx.Client
    url: str
    target: str  # what the state keys are made of: base URL and project
    state: ImportState
    rejects: RejectSink
    progress: Progress
    stop: threading.Event = field(default_factory=threading.Event)
    pacer: Pacer = field(default_factory=Pacer)
    retry: Retry = field(default_factory=Retry)
    monotonic: Callable[[], float] = time.monotonic
    totals: Totals = field(default_factory=Totals)

    def run(self, lines: list[Line]) -> Totals:
        """Push every line not acknowledged before; raises on stop, 401 or unreachable."""
        todo = []
        for line in lines:
            if line_key(self.target, line.number, line.body) in self.state.done:
                self.totals.skipped += 1
            else:
                todo.append(line)
        self.totals.pending = len(todo)
        self.progress.start(len(todo))
        try:
            for line in todo:
                self._one(line)
                self.totals.pending -= 1
                self.progress.advance(self.totals)
        finally:
            self.progress.stop()
            self.state.close()
        return self.totals

    def _one(self, line: Line) -> None:
        if line.problem is not None:
            # Never sent: the server could not read it either (status 0 in the rejects file).
            self._reject(
                Rejection(line, 0, line.problem, [{"field": "body", "message": line.problem}])
            )
            return
        response = self._send(line)
        if response.is_success:
            result, warnings = classify(response)
            self.state.record(
                line_key(self.target, line.number, line.body), line.number, result
            )
            setattr(self.totals, result, getattr(self.totals, result) + 1)
            self.totals.warnings += len(warnings)
        else:
            self._reject(rejection(line, response))

    def _reject(self, rejection: Rejection) -> None:
        self.totals.rejected += 1
        self.rejects.write(rejection)

    def _send(self, line: Line) -> httpx.Response:
        failures = 0
        while True:
            self._wait(self.pacer.delay(self.monotonic()))
            sent_at = self.monotonic()
            try:
                response = self.client.post(self.url, content=line.body)
            except httpx.TransportError as exc:
                failures = self._failed(failures, f"{type(exc).__name__}: {exc}")
                continue
            answered_at = self.monotonic()
            if response.status_code == 429:
                self.totals.rate_limited += 1
                self.pacer.refused(response.headers, answered_at)
                continue
            self.pacer.observe(response.headers, sent_at, answered_at)
            if response.status_code >= 500:
                failures = self._failed(failures, f"the server answered {response.status_code}")
                continue
            _refuse_the_run(response)
            return response

    def _failed(self, failures: int, why: str) -> int:
        if failures >= self.retry.attempts:
            raise Unreachable(f"{why} (after {failures} retries)")
        self.totals.retries += 1
        self._wait(self.retry.backoff(failures))
        return failures + 1

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            # Everything answered so far is made durable before idling (a batch boundary).
            self.state.sync()
        if self.stop.is_set() or (seconds > 0 and self.stop.wait(seconds)):
            raise Interrupted


def _refuse_the_run(response: httpx.Response) -> None:
    """Answers that no line of the file would get past: stop rather than reject them all."""
    status = response.status_code
    if status == 401:
        raise Refused(
            "the server refused the token (401): TPPM_TOKEN must be a valid, "
            "unrevoked token of this project"
        )
    if 300 <= status < 400:
        where = response.headers.get("location", "elsewhere")
        raise Refused(f"the server redirects pushes ({status}) to {where}; fix --url")
    if status in (404, 405):
        # tasksync answers an unknown project with the 401 above (SPEC 3): this is not it.
        raise Refused(f"no task-sync endpoint at {response.request.url} ({status}); fix --url")


_RESPONSE_DECODER = msgspec.json.Decoder(dict[str, Any])


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        return _RESPONSE_DECODER.decode(response.content)
    except msgspec.DecodeError:
        return {}


def classify(response: httpx.Response) -> tuple[str, list[str]]:
    """created, updated or unchanged, and the answer's warnings.

    A stale push (SPEC 4.7) is recognised by its warning, and a `result` field is used when
    a server sends one.
    """
    # Known limit: the answer (SPEC 4.2) says `created` but not whether an update changed
    # anything, so an update that changed nothing counts as updated. A field in the answer
    # saying so (the server knows: its metrics count "unchanged") would lift it.
    body = _json(response)
    raw_warnings = body.get("warnings")
    warnings = (
        [w for w in raw_warnings if isinstance(w, str)]
        if isinstance(raw_warnings, list)
        else []
    )
    if response.status_code == 201 or body.get("created") is True:
        return "created", warnings
    if body.get("result") in RESULTS:
        return str(body["result"]), warnings
    if any("nothing was changed" in warning for warning in warnings):
        return "unchanged", warnings
    return "updated", warnings


def rejection(line: Line, response: httpx.Response) -> Rejection:
    body = _json(response)
    errors = body.get("errors")
    fields = [
        {"field": str(e.get("field", "")), "message": str(e.get("message", ""))}
        for e in (errors if isinstance(errors, list) else [])
        if isinstance(e, dict)
    ]
    detail = body.get("detail")
    if not isinstance(detail, str):
        detail = response.reason_phrase or f"HTTP {response.status_code}"
    return Rejection(line, response.status_code, detail, fields)

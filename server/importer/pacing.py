"""Pacing the importer by the server's `RateLimit-*` headers (SPEC 4.6), so it never meets a
429 in steady state and still finishes as early as the limit allows.

tasksync's window is sliding: at most `limit` requests admitted in any `window` seconds.
The fastest a single client can push N lines is therefore a burst of `limit`, a pause until
the first of them leaves the window, the next burst, and so on: line i goes out no earlier
than `floor(i / limit) * window` seconds after the first. Spreading requests evenly at
`limit / window` would take up to twice as long for the same number of 429s (none), so the
pacer spends the budget it is told about at once and waits only when it is exhausted.

When to send again is taken from two sources and the earlier safe one wins:

- `RateLimit-Reset`: whole seconds until the oldest admitted request frees its slot, rounded
  up by the server, so waiting that long from the answer is always enough (but up to a
  second too long).
- Our own log of when each counted request was answered, plus the window length. A request
  is admitted before its answer arrives, so its slot frees no later than answer + window.
  The window length is known exactly when an answer says `Remaining = Limit - 1` (our
  request was the only one in the window, so `Reset` is the window itself).

A 429 is not expected but always possible (another client sharing the project's budget): its
`Retry-After` is obeyed to the letter.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def retry_after_seconds(headers: Mapping[str, str], default: float = 60.0) -> float:
    """`Retry-After` as seconds; tasksync sends delta-seconds (an HTTP date is not used)."""
    seconds = _header_int(headers, "retry-after")
    return float(seconds) if seconds is not None else default


@dataclass
class Pacer:
    """Decides how long to wait before the next request. Times are `time.monotonic()`."""

    limit: int | None = None
    remaining: int | None = None
    window: float | None = None
    _resume_at: float = 0.0
    _answered: deque[float] = field(default_factory=deque)

    def observe(self, headers: Mapping[str, str], sent_at: float, answered_at: float) -> None:
        """Learn from the answer to a request that counted against the limit."""
        limit = _header_int(headers, "ratelimit-limit")
        remaining = _header_int(headers, "ratelimit-remaining")
        reset = _header_int(headers, "ratelimit-reset")
        if limit is None or remaining is None:
            return
        if limit != self.limit:
            self._answered.clear()  # a new limit (the backfill window ended): start over
        self.limit, self.remaining = limit, remaining
        if reset is not None and remaining == limit - 1 and reset > 0:
            self.window = float(reset)
        self._answered.append(answered_at)
        while len(self._answered) > limit:
            self._answered.popleft()
        if remaining > 0:
            self._resume_at = 0.0
        else:
            self._resume_at = answered_at + self._until_free(reset, sent_at, answered_at)

    def refused(self, headers: Mapping[str, str], answered_at: float) -> float:
        """A 429: obey `Retry-After`; returns the wait it imposes."""
        wait = retry_after_seconds(headers)
        self.remaining = 0
        self._resume_at = max(self._resume_at, answered_at + wait)
        return wait

    def delay(self, now: float) -> float:
        """Seconds to wait before the next request may go out."""
        return max(0.0, self._resume_at - now)

    def _until_free(self, reset: int | None, sent_at: float, now: float) -> float:
        if reset is None:
            return 1.0
        if self.window is None or not self.limit or len(self._answered) < self.limit:
            return float(reset)
        # The oldest of our last `limit` answers frees its slot by answer + window. That holds
        # only if the window is all ours. The server admitted this request between `sent_at`
        # and now, and its oldest slot frees more than `reset - 1` seconds after that: an
        # estimate earlier than this means another client shares the project's budget, and
        # then the header decides.
        own = self._answered[-self.limit] + self.window - now
        if own <= (sent_at - now) + reset - 1:
            return float(reset)
        return max(0.0, min(own, float(reset)))


def fastest_seconds(lines: int, limit: int, window: float) -> float:
    """The least time a sliding window of `limit` per `window` allows for `lines` requests,
    first to last (latency aside): the last one waits for `floor((lines - 1) / limit)`
    windows."""
    if lines <= 0:
        return 0.0
    return math.floor((lines - 1) / limit) * window


def sustained_seconds(lines: int, limit: int, window: float) -> float:
    """`lines` at the limit's average rate (`limit / window`): the figure a fixed-rate
    client would need."""
    return lines * window / limit

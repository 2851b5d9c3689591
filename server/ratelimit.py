"""The per-project rate limit (SPEC 4.6): a sliding window kept in the server process.

`RateLimiter` is the small interface another store (Redis, when tasksync outgrows one
process) would implement; `SlidingWindowLimiter` is the in-memory one. Each key keeps the
monotonic times of the requests it admitted in the last window; a request is admitted when
fewer than its limit are inside the window. A window that slides (rather than a counter per
clock minute) has no boundary effect: 100 requests at 0:59 still count at 1:01.

The check and the record happen in one step under a lock, and the step never awaits, so
concurrent requests can never both take the last slot: the limit is exact under
concurrency, on the event loop or from threads. A refused request records nothing, so it
does not use up the window.

The limit is passed on every call because it follows the presenting token's age (its
backfill window), while the window itself is shared by all tokens of a project.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from server.config import Settings


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the next slot frees (0: the window is empty)

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


def push_limit(settings: Settings, backfill_until: datetime, now: datetime) -> int:
    """A task-sync request's limit: the backfill one while its token is young (SPEC 4.6)."""
    return settings.backfill_rate_limit if now < backfill_until else settings.rate_limit


class RateLimiter(Protocol):
    def acquire(self, key: str, limit: int, now: float) -> Decision:
        """Admit and record one request for `key`, or refuse it without recording."""
        ...

    def peek(self, key: str, limit: int, now: float) -> Decision:
        """What `acquire` would answer, without recording anything."""
        ...


class SlidingWindowLimiter:
    """Admitted times per key, in memory. `now` is a monotonic time in seconds."""

    def __init__(self, window_seconds: float) -> None:
        if window_seconds <= 0:
            raise ValueError("the window must be longer than 0 seconds")
        self.window_seconds = window_seconds
        self._admitted: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, limit: int, now: float) -> Decision:
        with self._lock:
            times = self._admitted.setdefault(key, deque())
            self._expire(times, now)
            if len(times) >= limit:
                return self._refusal(times, limit, now)
            times.append(now)
            return Decision(True, limit, limit - len(times), self._oldest_leaves(times, now))

    def peek(self, key: str, limit: int, now: float) -> Decision:
        with self._lock:
            times = self._admitted.get(key)
            if times is None:
                return Decision(limit > 0, limit, max(0, limit), 0)
            self._expire(times, now)
            if len(times) >= limit:
                return self._refusal(times, limit, now)
            return Decision(True, limit, limit - len(times), self._oldest_leaves(times, now))

    def _expire(self, times: deque[float], now: float) -> None:
        # The window is (now - window, now]: a request exactly one window old has left it.
        horizon = now - self.window_seconds
        while times and times[0] <= horizon:
            times.popleft()

    def _refusal(self, times: deque[float], limit: int, now: float) -> Decision:
        # A slot frees when enough of the oldest have left to bring the count below the
        # limit; after a token leaves its backfill window that may be more than one.
        must_leave = times[len(times) - limit] if 0 < limit <= len(times) else None
        if must_leave is None:
            return Decision(False, limit, 0, math.ceil(self.window_seconds))
        return Decision(False, limit, 0, self._seconds_until_gone(must_leave, now))

    def _oldest_leaves(self, times: deque[float], now: float) -> int:
        return self._seconds_until_gone(times[0], now) if times else 0

    def _seconds_until_gone(self, admitted_at: float, now: float) -> int:
        return max(1, math.ceil(admitted_at + self.window_seconds - now))

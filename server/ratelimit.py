"""The per-project rate limit (SPEC 4.6): a sliding window kept in the server process.

`RateLimiter` is the small interface another store (Redis, when tasksync outgrows one
process) would implement; `SlidingWindowLimiter` is the in-memory one. Each project keeps
the monotonic times of the requests it admitted in the last window; a request is admitted
when fewer than its limit are inside the window. The check and the record happen in one
synchronous step on the event loop, so concurrent requests can never both take the last
slot: the limit is exact under concurrency.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the oldest admitted request leaves the window

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


class RateLimiter(Protocol):
    def acquire(self, key: str, limit: int, now: float) -> Decision:
        """Admit and record one request for `key`, or refuse it without recording."""
        ...

    def peek(self, key: str, limit: int, now: float) -> Decision:
        """What `acquire` would answer, without recording anything."""
        ...


class SlidingWindowLimiter:
    def __init__(self, window_seconds: float) -> None:
        self.window_seconds = window_seconds
        self._admitted: dict[str, deque[float]] = {}

    def acquire(self, key: str, limit: int, now: float) -> Decision:
        times = self._current(key, now)
        if len(times) >= limit:
            return Decision(False, limit, 0, self._reset(times, now))
        times.append(now)
        return Decision(True, limit, limit - len(times), self._reset(times, now))

    def peek(self, key: str, limit: int, now: float) -> Decision:
        times = self._current(key, now)
        remaining = max(0, limit - len(times))
        return Decision(remaining > 0, limit, remaining, self._reset(times, now))

    def _current(self, key: str, now: float) -> deque[float]:
        times = self._admitted.setdefault(key, deque())
        horizon = now - self.window_seconds
        while times and times[0] <= horizon:
            times.popleft()
        return times

    def _reset(self, times: deque[float], now: float) -> int:
        if not times:
            return 0
        return max(1, math.ceil(times[0] + self.window_seconds - now))

from __future__ import annotations

import threading

import pytest

from server.clock import FakeClock
from server.ratelimit import Decision, SlidingWindowLimiter

WINDOW = 60


@pytest.fixture
def limiter() -> SlidingWindowLimiter:
    return SlidingWindowLimiter(WINDOW)


def admitted(limiter: SlidingWindowLimiter, clock: FakeClock, count: int, limit: int) -> int:
    return sum(limiter.acquire("p", limit, clock.monotonic()).allowed for _ in range(count))


def test_exactly_the_limit_is_admitted_in_one_window(
    limiter: SlidingWindowLimiter, clock: FakeClock
) -> None:
    assert admitted(limiter, clock, 150, limit=100) == 100


def test_the_window_slides_across_the_minute_boundary(
    limiter: SlidingWindowLimiter, clock: FakeClock
) -> None:
    clock.advance(59)
    first = admitted(limiter, clock, 100, limit=100)
    clock.advance(2)  # 1:01, two seconds after the first burst

    second = admitted(limiter, clock, 100, limit=100)

    assert (first, second) == (100, 0)


def test_slots_free_as_their_requests_leave_the_window(
    limiter: SlidingWindowLimiter, clock: FakeClock
) -> None:
    admitted(limiter, clock, 50, limit=100)
    clock.advance(30)
    admitted(limiter, clock, 50, limit=100)

    clock.advance(29.5)
    still_full = admitted(limiter, clock, 1, limit=100)
    clock.advance(0.5)  # the first 50 are exactly one window old: gone
    after = admitted(limiter, clock, 60, limit=100)

    assert (still_full, after) == (0, 50)


def test_a_refused_request_does_not_use_up_the_window(
    limiter: SlidingWindowLimiter, clock: FakeClock
) -> None:
    admitted(limiter, clock, 100, limit=100)
    clock.advance(30)
    admitted(limiter, clock, 500, limit=100)  # all refused, none recorded
    clock.advance(30)

    assert admitted(limiter, clock, 100, limit=100) == 100


def test_an_admitted_request_reports_what_is_left(
    limiter: SlidingWindowLimiter, clock: FakeClock
) -> None:
    limiter.acquire("p", 3, clock.monotonic())
    clock.advance(10)

    decision = limiter.acquire("p", 3, clock.monotonic())

    assert decision == Decision(allowed=True, limit=3, remaining=1, reset_seconds=50)
    assert decision.headers() == {
        "RateLimit-Limit": "3",
        "RateLimit-Remaining": "1",
        "RateLimit-Reset": "50",
    }


def test_a_refusal_reports_when_the_next_slot_frees(
    limiter: SlidingWindowLimiter, clock: FakeClock
) -> None:
    limiter.acquire("p", 2, clock.monotonic())
    clock.advance(20.2)
    limiter.acquire("p", 2, clock.monotonic())
    clock.advance(5)

    decision = limiter.acquire("p", 2, clock.monotonic())

    # The oldest leaves 60 s after it came: 34.8 s from now, rounded up.
    assert decision == Decision(allowed=False, limit=2, remaining=0, reset_seconds=35)


def test_reset_never_says_zero_while_the_window_is_full(
    limiter: SlidingWindowLimiter, clock: FakeClock
) -> None:
    limiter.acquire("p", 1, clock.monotonic())
    clock.advance(59.999)

    assert limiter.acquire("p", 1, clock.monotonic()).reset_seconds == 1


def test_after_the_backfill_window_a_slot_frees_only_below_the_lower_limit(
    limiter: SlidingWindowLimiter, clock: FakeClock
) -> None:
    # 300 admitted at the backfill limit, one a second; then the token turns 60 minutes old.
    for _ in range(30):
        admitted(limiter, clock, 10, limit=1000)
        clock.advance(1)

    decision = limiter.acquire("p", 100, clock.monotonic())

    # 200 of the 300 must leave before fewer than 100 remain: those of the first 20 seconds.
    assert decision == Decision(allowed=False, limit=100, remaining=0, reset_seconds=50)


def test_peek_records_nothing(limiter: SlidingWindowLimiter, clock: FakeClock) -> None:
    admitted(limiter, clock, 99, limit=100)

    peeks = [limiter.peek("p", 100, clock.monotonic()) for _ in range(5)]

    assert peeks == [Decision(True, 100, 1, 60)] * 5
    assert admitted(limiter, clock, 2, limit=100) == 1
    assert limiter.peek("p", 100, clock.monotonic()) == Decision(False, 100, 0, 60)


def test_peek_of_an_unknown_key_is_a_full_window(limiter: SlidingWindowLimiter) -> None:
    assert limiter.peek("nobody", 100, 5.0) == Decision(True, 100, 100, 0)


def test_keys_have_separate_windows(limiter: SlidingWindowLimiter, clock: FakeClock) -> None:
    admitted(limiter, clock, 100, limit=100)

    assert limiter.acquire("other", 100, clock.monotonic()).allowed


def test_the_limit_is_exact_across_threads(limiter: SlidingWindowLimiter) -> None:
    results: list[bool] = []
    start = threading.Barrier(8)

    def hammer() -> None:
        start.wait()
        mine = [limiter.acquire("p", 1000, 1.0).allowed for _ in range(500)]
        results.extend(mine)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count(True) == 1000


def test_a_window_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="window"):
        SlidingWindowLimiter(0)

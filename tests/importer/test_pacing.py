"""Pacing by the RateLimit headers: spend the budget at once, wait exactly for a free slot."""

from __future__ import annotations

import pytest

from server.importer.pacing import (
    Pacer,
    fastest_seconds,
    retry_after_seconds,
    sustained_seconds,
)


def headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {
        "ratelimit-limit": str(limit),
        "ratelimit-remaining": str(remaining),
        "ratelimit-reset": str(reset),
    }


def burst(pacer: Pacer, limit: int, window: int, start: float, step: float) -> float:
    """`limit` answers `step` apart into a fresh window; returns the last answer's time."""
    now = start
    for sent in range(1, limit + 1):
        reset = window if sent == 1 else max(1, round(start + window - now + 0.4999))
        pacer.observe(headers(limit, limit - sent, reset), now - 0.001, now)
        if sent < limit:
            assert pacer.delay(now) == 0
            now += step
    return now


def test_a_fresh_budget_is_spent_without_waiting_and_teaches_the_window() -> None:
    pacer = Pacer()

    pacer.observe(headers(20, 19, 3), 0.0, 0.01)

    assert pacer.delay(0.01) == 0
    assert pacer.window == 3.0


def test_a_spent_budget_waits_until_the_oldest_answer_leaves_the_window() -> None:
    pacer = Pacer()
    last = burst(pacer, limit=20, window=3, start=0.01, step=0.005)

    # The server rounds the wait up to 3 s; our own log knows the first slot frees at 3.01.
    assert pacer.delay(last) == pytest.approx(3.01 - last)


def test_after_the_wait_each_slot_is_taken_as_soon_as_it_frees() -> None:
    pacer = Pacer()
    last = burst(pacer, limit=20, window=3, start=0.0, step=0.005)
    now = last + pacer.delay(last)

    # The 21st answer: the window is full again, and the second slot frees 5 ms later.
    pacer.observe(headers(20, 0, 1), now, now + 0.004)

    assert pacer.delay(now + 0.004) == pytest.approx(3.005 - (now + 0.004))


def test_the_header_decides_when_another_client_shares_the_budget() -> None:
    pacer = Pacer()
    burst(pacer, limit=20, window=3, start=0.0, step=0.005)

    # Ten seconds on, our log says every slot is long free, yet the server says the window is
    # full for another 2 s: someone else is pushing. Trust the server.
    pacer.observe(headers(20, 0, 2), 10.0, 10.01)

    assert pacer.delay(10.01) == pytest.approx(2.0)


def test_without_a_known_window_the_reset_header_is_waited_out() -> None:
    pacer = Pacer()

    pacer.observe(headers(100, 0, 42), 5.0, 5.1)

    assert pacer.delay(5.1) == pytest.approx(42.0)
    assert pacer.delay(47.1) == 0


def test_a_429_waits_for_retry_after() -> None:
    pacer = Pacer()

    assert pacer.refused({"retry-after": "60"}, 1.0) == 60.0
    assert pacer.delay(1.0) == 60.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("7", 7.0), (" 0 ", 0.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0), ("-1", 60.0)],
)
def test_retry_after_reads_seconds_and_falls_back_to_a_minute(
    value: str, seconds: float
) -> None:
    assert retry_after_seconds({"retry-after": value}) == seconds


def test_answers_without_ratelimit_headers_do_not_slow_anything() -> None:
    pacer = Pacer()

    pacer.observe({}, 0.0, 0.1)

    assert pacer.delay(0.1) == 0


def test_a_new_limit_starts_the_log_over() -> None:
    pacer = Pacer()
    burst(pacer, limit=20, window=3, start=0.0, step=0.005)

    # The backfill hour is over: the limit drops and the old log says nothing about it.
    pacer.observe(headers(10, 0, 1), 20.0, 20.01)

    assert pacer.delay(20.01) == pytest.approx(1.0)


def test_the_ideal_times_of_a_sliding_window() -> None:
    assert fastest_seconds(60, 20, 3) == 6.0
    assert fastest_seconds(20, 20, 3) == 0.0
    assert fastest_seconds(2000, 1000, 60) == 60.0
    assert sustained_seconds(2000, 1000, 60) == 120.0

"""Brute-force throttling of logins: failed attempts per email and per client address.

At most `PER_EMAIL` failed logins per email and `PER_ADDRESS` per client address in a
sliding `WINDOW_SECONDS`; beyond either, a login is refused (429) before its password is
checked, whether or not the email belongs to anyone, so the answer says nothing about who
has an account. Only failures count: the check `peek`s, and a wrong email or password
`acquire`s. A successful login does not clear the failures before it (they leave the
window on their own): that is simpler, and one right guess does not buy an address a fresh
budget for the next email.

Known limit: the check and the record are two steps around the slow password check, so
concurrent wrong attempts that all pass the check may go a few past the limit; making
them one step would mean counting every attempt, successful ones included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio.to_thread

from server import emails
from server.errors import NotAuthenticated, RateLimited
from server.ratelimit import RateLimiter
from server.users import User, check_login, user_row_for_login

if TYPE_CHECKING:
    from server.services import Services

WINDOW_SECONDS = 15 * 60
PER_EMAIL = 10
PER_ADDRESS = 50


@dataclass(frozen=True)
class LoginAttempt:
    email: str
    address: str  # the client IP (server/http/client_ip.py)
    now: float  # monotonic seconds


def check_allowed(
    by_email: RateLimiter, by_address: RateLimiter, attempt: LoginAttempt
) -> None:
    """Refuse the attempt when its email or its address has failed too often lately."""
    for limiter, key, limit, whose in (
        (by_email, emails.key(attempt.email), PER_EMAIL, "this email"),
        (by_address, attempt.address, PER_ADDRESS, "this address"),
    ):
        decision = limiter.peek(key, limit, attempt.now)
        if not decision.allowed:
            raise RateLimited(
                f"Too many failed logins for {whose} (at most {limit} in "
                f"{WINDOW_SECONDS // 60} minutes); try again in {decision.reset_seconds} "
                "seconds.",
                headers={"Retry-After": str(decision.reset_seconds)},
            )


def record_failure(
    by_email: RateLimiter, by_address: RateLimiter, attempt: LoginAttempt
) -> None:
    by_email.acquire(emails.key(attempt.email), PER_EMAIL, attempt.now)
    by_address.acquire(attempt.address, PER_ADDRESS, attempt.now)


async def log_in(services: Services, email: str, password: str, address: str) -> User:
    """The user, for the API's login and the console's alike: throttled, then verified."""
    attempt = LoginAttempt(email, address, services.clock.monotonic())
    limiters = (services.login_failures_by_email, services.login_failures_by_address)
    check_allowed(*limiters, attempt)
    row = await services.db.read(lambda conn: user_row_for_login(conn, email))
    try:
        return await anyio.to_thread.run_sync(check_login, row, password)
    except NotAuthenticated:
        record_failure(*limiters, attempt)
        raise

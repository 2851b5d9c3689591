"""What a running tasksync holds: settings, the database, the clock, the limiter, metrics.

One `Services` lives on `app.state.services`; route handlers receive it by dependency
injection (`services: Services`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server import login_limits
from server.clock import Clock
from server.config import Settings
from server.metrics import Metrics
from server.ratelimit import RateLimiter, SlidingWindowLimiter
from server.sessions import SessionCodec
from server.storage.database import Database
from server.sync_auth import Rejections
from server.token_cache import TokenCache


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    limiter: RateLimiter
    sessions: SessionCodec
    metrics: Metrics = field(default_factory=lambda: Metrics())
    token_cache: TokenCache = field(default_factory=lambda: TokenCache())
    # When each revoked token last left a `rejected` audit entry (SPEC 5: one a minute).
    rejections: Rejections = field(default_factory=lambda: Rejections())
    # Mints per user in the last minute (SPEC 2: at most 10), keyed by user id.
    mint_limiter: RateLimiter = field(default_factory=lambda: SlidingWindowLimiter(60))
    # Failed logins per email and per client address in the last 15 minutes (login_limits).
    login_failures_by_email: RateLimiter = field(
        default_factory=lambda: SlidingWindowLimiter(login_limits.WINDOW_SECONDS)
    )
    login_failures_by_address: RateLimiter = field(
        default_factory=lambda: SlidingWindowLimiter(login_limits.WINDOW_SECONDS)
    )

"""JWTs for humans (SPEC 1): HS256, subject = user id, lifetime from settings.

Every JWT names its session with a random `jti`, so logging out can end that one session on
the server (the `ended_sessions` table) while the user's other sessions go on. A JWT without
a `jti` (issued before sessions could end) is refused like any invalid token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from server.clock import Clock
from server.errors import NotAuthenticated

ALGORITHM = "HS256"
AUDIENCE = "tasksync"
MAX_JTI = 64


@dataclass(frozen=True)
class Session:
    """What a valid JWT says: whose session it is, which one, and until when."""

    user_id: str
    jti: str
    expires_at: datetime


class SessionCodec:
    def __init__(self, key: str, ttl_seconds: int, clock: Clock) -> None:
        self._key = key
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def issue(self, user_id: str) -> str:
        now = self._clock.now()
        claims = {
            "sub": user_id,
            "aud": AUDIENCE,
            "jti": secrets.token_urlsafe(16),
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_seconds)).timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def read(self, token: str) -> Session:
        """The session a valid token names; anything else is the generic 401.

        Whether the session was ended is the database's to say (server/users.py).
        """
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={
                    "require": ["sub", "exp", "iat", "jti"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise NotAuthenticated() from exc
        jti, exp = claims["jti"], claims["exp"]
        if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI or not isinstance(exp, int):
            raise NotAuthenticated()
        # PyJWT would check `exp` against the wall clock; the injected clock decides here.
        if exp <= int(self._clock.now().timestamp()):
            raise NotAuthenticated()
        return Session(str(claims["sub"]), jti, datetime.fromtimestamp(exp, UTC))

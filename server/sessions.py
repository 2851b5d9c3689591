"""JWTs for humans (SPEC 1): HS256, subject = user id, lifetime from settings."""

from __future__ import annotations

from datetime import timedelta

import jwt

from server.clock import Clock
from server.errors import NotAuthenticated

ALGORITHM = "HS256"
AUDIENCE = "tasksync"


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
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_seconds)).timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def user_id(self, token: str) -> str:
        """The user a valid token names; anything else is the generic 401."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={
                    "require": ["sub", "exp", "iat"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise NotAuthenticated() from exc
        # PyJWT would check `exp` against the wall clock; the injected clock decides here.
        if int(claims["exp"]) <= int(self._clock.now().timestamp()):
            raise NotAuthenticated()
        return str(claims["sub"])

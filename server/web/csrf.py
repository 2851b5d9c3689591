"""CSRF tokens for every console form: an HMAC bound to the session (SPEC 10).

A form's token is HMAC-SHA256(key, purpose + the session cookie's value). Another site can
make a browser send the cookie (SameSite=Strict already stops that in current browsers; this
is the second lock), but cannot read it, so it cannot compute the token. The login form has
no session yet: it binds its token to a random `tasksync_login` cookie instead (a signed
double submit), which keeps another site from logging a browser in as someone else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict

from server.secrets_store import signing_key
from server.services import Services

FIELD = "csrf_token"
LOGIN_COOKIE = "tasksync_login"


class CsrfRefused(Exception):
    """A form arrived without the token its page carried: answered with a 403 page."""


@lru_cache(maxsize=8)
def _key(configured: str, data_dir: Path) -> bytes:
    # Derived, so a CSRF token can never double as anything signed with the JWT key.
    return hashlib.sha256(
        b"tasksync console csrf\n" + signing_key(configured, data_dir).encode()
    ).digest()


def token_for(services: Services, purpose: str, bound_to: str) -> str:
    key = _key(services.settings.secret_key, services.settings.data_dir)
    message = f"{purpose}\n{bound_to}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def new_login_nonce() -> str:
    return secrets.token_hex(16)


async def checked_form(
    request: Request[Any, Any, Any], services: Services, purpose: str, bound_to: str
) -> FormMultiDict:
    """The submitted form, once its token matches; `CsrfRefused` otherwise."""
    form = await request.form()
    submitted = form.get(FIELD, "")
    expected = token_for(services, purpose, bound_to)
    if not bound_to or not isinstance(submitted, str):
        raise CsrfRefused()
    if not hmac.compare_digest(submitted.encode(), expected.encode()):
        raise CsrfRefused()
    return form

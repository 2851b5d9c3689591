"""The domain's errors. The domain raises these; `server.http.problems` turns each into one
RFC 9457 response, in one place. Nothing here knows about HTTP beyond the status it maps to.

    DomainError
    ├── InvalidInput          400  a field broke a rule; `errors` names each one
    ├── NotAuthenticated      401  the one generic answer (SPEC 3)
    ├── Forbidden             403  a member without the role
    ├── NotFound              404  also what a non-member sees of a project
    ├── NotAllowed            405
    ├── Conflict              409  e.g. an email already taken
    ├── BodyTooLarge          413
    ├── UnsupportedMediaType  415
    ├── RateLimited           429  carries its headers
    └── Unavailable           503  storage refused; retry later
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    status = 500
    title = "Internal error"

    def __init__(self, detail: str = "", *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = headers or {}


class InvalidInput(DomainError):
    status = 400
    title = "Invalid request"

    def __init__(self, errors: list[FieldError], detail: str = "") -> None:
        self.errors = errors
        if not detail:
            detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or self.title
        super().__init__(detail)

    @classmethod
    def one(cls, field_name: str, message: str) -> InvalidInput:
        return cls([FieldError(field_name, message)])


class NotAuthenticated(DomainError):
    status = 401
    title = "Unauthorized"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class NotAllowed(DomainError):
    status = 405
    title = "Method not allowed"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class RequestTimeout(DomainError):
    status = 408
    title = "Request timeout"


class BodyTooLarge(DomainError):
    status = 413
    title = "Request body too large"


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Unsupported media type"


class RateLimited(DomainError):
    status = 429
    title = "Too many requests"


class Unavailable(DomainError):
    status = 503
    title = "Service unavailable"


@dataclass
class Warnings:
    """Plain sentences for things accepted but not applied (SPEC 4.2)."""

    items: list[str] = field(default_factory=list)

    def add(self, sentence: str) -> None:
        self.items.append(sentence)

"""Reading a JSON body the way every tasksync endpoint does (SPEC 4.1).

`application/json` (any charset), no `Content-Type`, or curl's default
`application/x-www-form-urlencoded` are accepted when the body parses as a JSON object; any
other type, `+json` ones included, is a 415, and so is a header with no parsable media type
(`;;;`, `json`). A header that is present but blank counts as no `Content-Type`.
Bodies over `MAX_BODY_BYTES` are a 413 before they are parsed.
Decoding goes through a msgspec struct, and its errors become field-named 400s.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

import anyio
import msgspec
from litestar import Request

from server.errors import (
    BodyTooLarge,
    FieldError,
    InvalidInput,
    RequestTimeout,
    UnsupportedMediaType,
)

T = TypeVar("T")

MAX_BODY_BYTES = 1024 * 1024
# When the app has no settings (never in `serve`); TASKSYNC_BODY_TIMEOUT_SECONDS otherwise.
DEFAULT_BODY_TIMEOUT = 30.0

_ACCEPTED_TYPES = {"application/json", "application/x-www-form-urlencoded"}
# RFC 9110 8.3.1: media-type = type "/" subtype, both tokens (RFC 9110 5.6.2).
_MEDIA_TYPE = re.compile(r"^[!#$%&'*+.^_`|~0-9a-z-]+/[!#$%&'*+.^_`|~0-9a-z-]+$")
_AT_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<name>[^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<name>[^`]*)`$")


def check_content_type(request: Request[Any, Any, Any]) -> None:
    raw = request.headers.get("content-type", "").strip()
    if not raw:
        # A blank header says no more than an absent one: some clients send `Content-Type:`
        # when the caller set none, and the body is still checked to be a JSON object.
        return
    media_type = raw.split(";", 1)[0].strip().lower()
    if not _MEDIA_TYPE.match(media_type):
        raise UnsupportedMediaType(
            f"Content-Type {_shown(raw)} has no media type; send application/json."
        )
    if media_type not in _ACCEPTED_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type {_shown(raw)} is not accepted; send application/json."
        )


def _shown(raw: str) -> str:
    # The header is echoed in the detail; a hostile one must not make that detail huge.
    return repr(raw if len(raw) <= 100 else raw[:100] + "…")


async def read_body(request: Request[Any, Any, Any], limit: int = MAX_BODY_BYTES) -> bytes:
    check_content_type(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"The body is larger than {limit} bytes.")
    seconds = _body_timeout(request)
    # uvicorn never times out a body that stops arriving (slow-loris): without this a
    # stalled client would hold its connection and this request forever.
    try:
        with anyio.fail_after(seconds):
            return await _read_all(request, limit)
    except TimeoutError:
        raise RequestTimeout(
            f"The body did not arrive within {seconds:g} seconds.",
            headers={"Connection": "close"},  # uvicorn then drops the connection
        ) from None


async def _read_all(request: Request[Any, Any, Any], limit: int) -> bytes:
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"The body is larger than {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _body_timeout(request: Request[Any, Any, Any]) -> float:
    services = request.app.state.get("services")
    settings = getattr(services, "settings", None)
    return float(getattr(settings, "body_timeout_seconds", DEFAULT_BODY_TIMEOUT))


def decode(body: bytes, decoder: msgspec.json.Decoder[T], accepted: tuple[str, ...] = ()) -> T:
    """Decode `body` with a prebuilt decoder; every failure is an `InvalidInput`."""
    if not body.strip():
        raise InvalidInput.one("body", "the body is empty; send a JSON object")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        name = _field_with_bad_text(body) or "body"
        raise InvalidInput.one(
            name, f"contains bytes that are not UTF-8 (byte {exc.start} of the body)"
        ) from exc
    try:
        value = decoder.decode(text)
    except msgspec.ValidationError as exc:
        raise InvalidInput([field_error(str(exc), accepted)]) from exc
    except msgspec.DecodeError as exc:
        holder = _field_with_bad_text(body)
        if holder is not None:
            message = "contains an unpaired surrogate escape; send valid Unicode"
            raise InvalidInput.one(holder, message) from exc
        raise InvalidInput.one("body", f"the body is not a JSON object: {exc}") from exc
    _reject_lone_surrogates(value)
    return value


def field_error(message: str, accepted: tuple[str, ...] = ()) -> FieldError:
    """Turn msgspec's `"… - at `$.story_points`"` into a field name and a message."""
    match = _AT_PATH.match(message)
    assert match is not None
    text = match.group("message")
    path = (match.group("path") or "").lstrip(".")
    unknown = _UNKNOWN.match(text)
    if unknown:
        name = ".".join(filter(None, [path, unknown.group("name")]))
        listed = f"; accepted fields: {', '.join(accepted)}" if accepted else ""
        return FieldError(name, f"unknown field{listed}")
    missing = _MISSING.match(text)
    if missing:
        name = ".".join(filter(None, [path, missing.group("name")]))
        return FieldError(name, "this field is required")
    if text.startswith("Expected `object`") and not path:
        return FieldError("body", "the body must be a JSON object")
    return FieldError(path or "body", _plain(text))


_EXPECTED = re.compile(
    r"^Expected `(?P<types>[^`]*)`(?:, got `(?P<got>[^`]*)`| (?P<rest>.*))?$"
)
_INVALID = re.compile(r"^Invalid (?:RFC3339 encoded )?(?P<what>\w+)(?: value (?P<value>.*))?$")
_TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "str": "a string",
    "bool": "true or false",
    "null": "null",
    "object": "an object",
    "array": "an array",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date and time (RFC 3339)",
    "time": "a time (RFC 3339)",
    "uuid": "a UUID",
}
# What was sent: a float where an int belongs is "a number" to the client, so say which.
_GOT_WORDS = {"float": "a number with a fraction"}
_UNITS = {"str": "characters", "array": "items", "object": "entries"}
_BOUNDS = {">=": "at least", ">": "greater than", "<=": "at most", "<": "less than"}


def _plain(text: str) -> str:
    """msgspec's `Expected `int | null`, got `bool`` in words a client understands."""
    expected = _EXPECTED.match(text)
    if expected:
        types = expected.group("types").split(" | ")
        wanted = _type_words(types)
        if expected.group("got") is not None:
            got = expected.group("got")
            return f"must be {wanted}, not {_GOT_WORDS.get(got) or _type_words([got])}"
        rest = expected.group("rest")
        return f"must be {wanted}{_constraint(rest, types[0])}" if rest else f"must be {wanted}"
    invalid = _INVALID.match(text)
    if invalid and invalid.group("what") == "enum":
        return f"{invalid.group('value')} is not one of the accepted values"
    if invalid and invalid.group("what").lower() in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[invalid.group('what').lower()]}"
    return text.replace("`", "")


def _type_words(types: list[str]) -> str:
    if "int" in types and "float" in types:
        types = [t for t in types if t != "int"]  # any number will do
    words = [_TYPE_WORDS.get(t, t) for t in types]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _constraint(rest: str, type_name: str) -> str:
    """`>= 1` → `, at least 1`; `of length <= 5` → ` of at most 5 characters`."""
    if rest.startswith("of length "):
        operator, _, value = rest.removeprefix("of length ").partition(" ")
        unit = _UNITS.get(type_name, "items")
        if value == "1":
            unit = unit.removesuffix("s")
        if operator in _BOUNDS and value:
            return f" of {_BOUNDS[operator]} {value} {unit}"
    operator, _, value = rest.partition(" ")
    if operator in _BOUNDS and value:
        return f", {_BOUNDS[operator]} {value}"
    if rest.startswith("matching regex "):
        return f" matching the pattern {rest.removeprefix('matching regex ')}"
    if rest.startswith("that's "):
        return " that is " + rest.removeprefix("that's ")
    return f" ({rest})"


def _field_with_bad_text(body: bytes) -> str | None:
    """The field holding a lone surrogate escape or non-UTF-8 bytes, when there is one.

    msgspec refuses both with a message that names no field, so the body is read again,
    leniently (the standard library keeps lone surrogates; `surrogateescape` turns bad
    bytes into them), only to find which field to name.
    """
    try:
        value = json.loads(body.decode("utf-8", errors="surrogateescape"))
    except (ValueError, RecursionError):
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if _has_bad_text(key):
                return "body"
            if _has_bad_text(item):
                return str(key)
    return None


def _has_bad_text(value: object) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_bad_text(k) or _has_bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_bad_text(item) for item in value)
    return False


def _reject_lone_surrogates(value: object) -> None:
    # JSON allows "\ud800" escapes; SQLite and every client downstream do not.
    if isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            _check_field(name, getattr(value, name))


def _check_field(name: str, value: object) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidInput.one(
                name, "contains an unpaired surrogate; send valid Unicode"
            ) from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_field(f"{name}.{key}", key)
            _check_field(f"{name}.{key}", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_field(f"{name}[{index}]", item)

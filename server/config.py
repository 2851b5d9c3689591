"""Settings, read once from `TASKSYNC_*` environment variables (SPEC 9).

Every field of `Settings` is one variable: `data_dir` is `TASKSYNC_DATA_DIR`, and so on.
`describe()` renders the table that `tasksync serve --help` shows.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec

ENV_PREFIX = "TASKSYNC_"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Annotated[Path, msgspec.Meta(description="where the database and keys live")] = (
        Path("./data")
    )
    host: Annotated[str, msgspec.Meta(description="address to listen on")] = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=0, le=65535, description="port to listen on")] = 8000
    secret_key: Annotated[
        str, msgspec.Meta(description="JWT signing key; generated into the data dir if empty")
    ] = ""
    admin_email: Annotated[
        str, msgspec.Meta(description="the first-start administrator's email")
    ] = "admin@localhost"
    jwt_ttl_seconds: Annotated[int, msgspec.Meta(ge=60, description="JWT lifetime")] = 43200
    rate_limit: Annotated[
        int, msgspec.Meta(ge=1, description="task-sync requests per window per project")
    ] = 100
    backfill_rate_limit: Annotated[
        int, msgspec.Meta(ge=1, description="the same, for a token in its backfill window")
    ] = 1000
    rate_window_seconds: Annotated[
        int, msgspec.Meta(ge=1, description="length of the sliding window")
    ] = 60
    backfill_minutes: Annotated[
        int,
        msgspec.Meta(ge=0, description="how long after mint a token gets the backfill limit"),
    ] = 60
    trusted_proxies: Annotated[
        str,
        msgspec.Meta(
            description="comma-separated addresses or CIDRs allowed to set X-Forwarded-For"
        ),
    ] = ""
    log_format: Annotated[
        str, msgspec.Meta(description="`json` or `console`; default: json unless a terminal")
    ] = ""
    log_level: Annotated[str, msgspec.Meta(description="logging level")] = "INFO"
    body_timeout_seconds: Annotated[
        float,
        msgspec.Meta(
            gt=0, description="seconds a client has to send a request head, then its body"
        ),
    ] = 30.0
    readers: Annotated[
        int, msgspec.Meta(ge=1, le=64, description="read-only database connections")
    ] = 4
    bench_routes: Annotated[
        bool,
        msgspec.Meta(description="mount the benchmark baseline routes (never in production)"),
    ] = False

    @property
    def database_path(self) -> Path:
        return self.data_dir / "tasksync.sqlite3"

    @property
    def trusted_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)

    @property
    def effective_log_format(self) -> str:
        if self.log_format:
            return self.log_format
        return "console" if sys.stderr.isatty() else "json"


class SettingsError(ValueError):
    """A `TASKSYNC_*` variable that cannot be used; the message names it."""


def parse_networks(value: str) -> tuple[Network, ...]:
    networks = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise SettingsError(
                f"{ENV_PREFIX}TRUSTED_PROXIES: {part!r} is not an address"
            ) from exc
    return tuple(networks)


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, then `overrides` (command-line flags) on top."""
    environ = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    for field in msgspec.structs.fields(Settings):
        value = environ.get(env_name(field.name))
        if value is not None and value != "":
            raw[field.name] = value
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        settings = msgspec.convert(raw, Settings, strict=False, dec_hook=_to_path)
    except msgspec.ValidationError as exc:
        raise SettingsError(_name_the_variable(str(exc))) from exc
    if settings.log_format not in ("", "json", "console"):
        raise SettingsError(f"{ENV_PREFIX}LOG_FORMAT must be `json` or `console`")
    settings.trusted_networks  # noqa: B018 - validates the list at start-up
    return settings


def _to_path(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, str | Path):
        return Path(value)
    raise NotImplementedError


def _name_the_variable(message: str) -> str:
    # msgspec says "... - at `$.port`"; the operator knows the variable, not the path.
    head, _, path = message.rpartition(" - at `$.")
    if not path:
        return message
    return f"{env_name(path.rstrip('`'))}: {head}"


def describe() -> str:
    """One line per setting, for `tasksync serve --help`."""
    lines = []
    defaults = Settings()
    for field in msgspec.structs.fields(Settings):
        meta = _meta(field.type)
        default = getattr(defaults, field.name)
        shown = f" (default: {default})" if default not in ("", None) else ""
        lines.append(f"{env_name(field.name)}: {meta}{shown}")
    return "\n".join(lines)


def _meta(annotation: Any) -> str:
    for extra in getattr(annotation, "__metadata__", ()):
        if isinstance(extra, msgspec.Meta) and extra.description:
            return extra.description
    return ""

"""`tasksync import FILE --url BASE_URL --project ID` (SPEC 8): push a whole export.

Exit status: 0 when every line was acknowledged; 1 when the server rejected any line (or, with
`--dry-run`, any line is invalid); 2 for a usage error; 3 when the server could not be reached,
refused the token or has no task-sync endpoint at `--url`; 130 when stopped with Ctrl-C (re-run
to resume).
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import click
import httpx
import msgspec
from rich.console import Console

from relays.generator import InvalidRelayRequest, task_sync_url
from relays.mappings import MappingOptions
from server import __version__
from server.importer import output, reader
from server.importer.runner import Interrupted, Refused, Retry, Runner, Totals, Unreachable
from server.importer.state import ImportState, default_path

EXIT_REJECTED = 1
EXIT_UNREACHABLE = 3
EXIT_INTERRUPTED = 130

_TOKEN = re.compile(r"^tppm_[0-9a-f]{64}$")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="The server's base URL, e.g. https://tasks.example.com.")
@click.option("--project", help="The project's id.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(reader.FORMATS),
    help="The input's format (default: detected from its contents).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where rejected lines go (default: FILE.rejects.jsonl).",
)
@click.option(
    "--dry-run", is_flag=True, help="Translate and check locally; print, send nothing."
)
@click.option(
    "--retries",
    type=click.IntRange(0, 30),
    default=6,
    show_default=True,
    help="Retries of a line on a 5xx or a connection error, with exponential backoff.",
)
def import_command(
    file: Path,
    url: str | None,
    project: str | None,
    fmt: str | None,
    rejects: Path | None,
    dry_run: bool,
    retries: int,
) -> None:
    """Push FILE into a project: JSONL payloads, a Jira search result, `gh issue list --json`
    output or a JSON array of Linear issues.

    The token is read from TPPM_TOKEN, never from the command line. Pushes are paced by the
    server's RateLimit headers. Ctrl-C stops after the push in flight; running the same
    command again skips what was already acknowledged (state in FILE.tasksync-import.jsonl).
    Exports are translated with the relays' mapping, configured by the same variables:
    JIRA_STORY_POINTS_FIELD, JIRA_ACCOUNT_EMAILS, TPPM_ASSIGNEE_EMAILS,
    TPPM_POINTS_LABEL_PREFIX.

    Exit status: 0 all acknowledged, 1 some lines rejected, 3 server unreachable or token
    refused, 130 interrupted.
    """
    lines = _read(file, fmt, _mapping_options(os.environ))
    if dry_run:
        sys.exit(_dry_run(lines))
    endpoint = _endpoint(url, project)
    token = _token(os.environ)
    rejects_path = rejects or file.with_name(file.name + ".rejects.jsonl")
    rejects_path.unlink(missing_ok=True)
    sys.exit(_push(lines, endpoint, token, file, rejects_path, retries))


def _read(file: Path, fmt: str | None, options: MappingOptions) -> list[reader.Line]:
    data = file.read_bytes()
    try:
        fmt = fmt or reader.detect(data)
        return reader.push_order(reader.read(data, fmt, options))
    except reader.UnreadableInput as exc:
        raise click.UsageError(f"{file}: {exc}") from None


def _endpoint(url: str | None, project: str | None) -> str:
    if not url or not project:
        raise click.UsageError("--url and --project are required (except with --dry-run)")
    try:
        return task_sync_url(url, project)
    except InvalidRelayRequest as exc:
        raise click.UsageError(str(exc)) from None


def _token(environ: Mapping[str, str]) -> str:
    token = environ.get("TPPM_TOKEN", "").strip()
    if not token:
        raise click.UsageError(
            "set TPPM_TOKEN to the project's tppm_ token (it is never taken from argv)"
        )
    if not _TOKEN.match(token):
        raise click.UsageError("TPPM_TOKEN is not a tasksync token (tppm_ and 64 hex digits)")
    return token


def _mapping_options(environ: Mapping[str, str]) -> MappingOptions:
    return MappingOptions(
        story_points_field=environ.get("JIRA_STORY_POINTS_FIELD") or "customfield_10016",
        account_emails=_json_object(environ, "JIRA_ACCOUNT_EMAILS"),
        assignee_emails=_json_object(environ, "TPPM_ASSIGNEE_EMAILS"),
        points_label_prefix=environ.get("TPPM_POINTS_LABEL_PREFIX") or "points:",
    )


def _json_object(environ: Mapping[str, str], name: str) -> dict[str, str]:
    raw = environ.get(name, "").strip()
    if not raw:
        return {}
    try:
        value = msgspec.json.decode(raw, type=dict[str, str])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise click.UsageError(f"{name} must be a JSON object of strings: {exc}") from None
    return value


def _dry_run(lines: list[reader.Line]) -> int:
    # Imported here: the server's checks pull in the web framework, which a push run skips.
    from server.importer import dry_run

    invalid = 0
    for line in lines:
        problems = dry_run.check(line)
        if problems:
            invalid += 1
            reasons = "; ".join(f"{field}: {message}" for field, message in problems)
            click.echo(f"line {line.number}: {reasons}", err=True)
        else:
            click.echo(line.body.decode("utf-8"))
    click.echo(f"{len(lines) - invalid} would be sent, {invalid} invalid", err=True)
    return EXIT_REJECTED if invalid else 0


def _push(
    lines: list[reader.Line],
    endpoint: str,
    token: str,
    file: Path,
    rejects_path: Path,
    retries: int,
) -> int:
    rejects = output.RejectsFile(rejects_path)
    runner = Runner(
        client=_client(token),
        url=endpoint,
        target=endpoint,
        state=ImportState(default_path(file)),
        rejects=rejects,
        progress=_progress(),
        retry=Retry(attempts=retries),
    )
    started = time.monotonic()
    status, message = 0, ""
    with runner.client, _stop_on_sigint(runner.stop):
        try:
            runner.run(lines)
        except Interrupted:
            status, message = EXIT_INTERRUPTED, "stopped; run the same command to resume"
        except KeyboardInterrupt:
            status, message = (
                EXIT_INTERRUPTED,
                "stopped at once; run the same command to resume",
            )
        except Unreachable as exc:
            status, message = EXIT_UNREACHABLE, f"cannot reach the server: {exc}"
        except Refused as exc:
            status, message = EXIT_UNREACHABLE, str(exc)
        finally:
            rejects.close()
    return _finish(runner.totals, time.monotonic() - started, status, message, rejects_path)


def _finish(totals: Totals, elapsed: float, status: int, message: str, rejects: Path) -> int:
    click.echo(output.summary(totals, elapsed))
    if totals.rejected:
        click.echo(f"rejected lines and the server's reasons: {rejects}", err=True)
    if message:
        click.echo(f"error: {message}" if status == EXIT_UNREACHABLE else message, err=True)
    return status or (EXIT_REJECTED if totals.rejected else 0)


def _client(token: str) -> httpx.Client:
    return httpx.Client(
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "User-Agent": f"tasksync-import/{__version__}",
        },
        timeout=httpx.Timeout(30.0, connect=10.0),
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    )


def _progress() -> output.BarProgress | output.PlainProgress:
    if sys.stdout.isatty():
        return output.BarProgress(Console())
    return output.PlainProgress(sys.stdout)


@contextmanager
def _stop_on_sigint(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C lets the push in flight finish and be recorded; a second one quits
    at once (that push is then simply made again next time: pushes are upserts)."""

    def handler(signum: int, frame: FrameType | None) -> Any:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        click.echo("stopping after the push in flight (Ctrl-C again to quit now)", err=True)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)

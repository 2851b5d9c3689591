"""The `tasksync` command: serve, manage users, print tokens, back up (SPEC 1, 9)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from server import __version__, passwords
from server.config import Settings, SettingsError, describe, load_settings
from server.errors import DomainError


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(None, **overrides)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tasksync")
def main() -> None:
    """tasksync: inbound task sync for a self-hosted team.

    All settings come from TASKSYNC_* environment variables; `tasksync serve --help`
    lists them.
    """


@main.command(epilog="Settings (environment variables):\n\n" + describe().replace("\n", "\n\n"))
@click.option("--host", default=None, help="Address to listen on (TASKSYNC_HOST).")
@click.option("--port", type=int, default=None, help="Port to listen on (TASKSYNC_PORT).")
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Must stay 1: the rate-limit window lives in this process.",
)
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Run the whole service in one process: HTTP, the database, the limiter."""
    from server.serving import run

    if workers != 1:
        raise click.UsageError(
            "tasksync runs as exactly one process: the rate-limit window is kept in memory, "
            "so several workers would each allow the full limit. See README, 'Growing'."
        )
    run(_settings(host=host, port=port))


@main.group()
def user() -> None:
    """Create users and print JWTs for scripting on the box."""


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@user.command("add")
@click.argument("email")
@click.option("--name", default="", help="Display name (default: the part before @).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_add(email: str, name: str, password_stdin: bool) -> None:
    """Create a user. The password is prompted for, never taken from argv."""
    from server.tools import add_user

    password = _read_password(password_stdin)
    if (why := passwords.problem_with(password)) is not None:
        raise click.UsageError(f"password {why}")
    try:
        created = add_user(_settings(), email, name, password)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    role = "administrator" if created.is_admin else "user"
    click.echo(f"created {role} {created.email} ({created.id})")


@user.command("token")
@click.argument("email")
def user_token(email: str) -> None:
    """Print a JWT for EMAIL (for scripts on this box)."""
    from server.tools import token_for

    try:
        click.echo(token_for(_settings(), email))
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Write a consistent copy of the database to PATH, also while the server runs."""
    from server.tools import backup_to

    try:
        backup_to(_settings(), path)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"backup written to {path}")


def _register_optional_commands() -> None:
    # Commands that live beside the service (relays, importer) register themselves here.
    for module, name in (("relays.cli", "relay"), ("server.importer.cli", "import_command")):
        try:
            imported = __import__(module, fromlist=[name])
        except ModuleNotFoundError:
            continue
        main.add_command(getattr(imported, name))


_register_optional_commands()

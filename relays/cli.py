"""`tasksync relay KIND --url BASE_URL --project ID [-o FILE]`: print or write a relay."""

from __future__ import annotations

from pathlib import Path

import click

from relays.generator import KINDS, InvalidRelayRequest, render


@click.command("relay")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.option(
    "--url", required=True, help="tasksync's base URL, e.g. https://tasks.example.com"
)
@click.option("--project", "project_id", required=True, help="The project's id (a UUID).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def relay(kind: str, url: str, project_id: str, output: Path | None) -> None:
    """Generate a relay that forwards a tool's webhooks into a project.

    The URL and project id are written into the file; the token and webhook secrets are
    read at run time from the platform's secret store (see the file's header).
    """
    try:
        rendered = render(kind, url=url, project_id=project_id)
    except InvalidRelayRequest as error:
        raise click.BadParameter(str(error)) from None
    if output is None:
        click.echo(rendered.text, nl=False)
        return
    output.write_text(rendered.text, encoding="utf-8")
    click.echo(f"wrote {output} ({kind}); deployment notes are in its header", err=True)

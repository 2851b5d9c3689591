"""Render a relay: a ready-to-deploy program that forwards one tool's webhooks to tasksync.

    render("jira-relay", url="https://tasks.example.com", project_id="…") -> RenderedRelay

The task-sync URL and the project id are written into the file; secrets never are (each
relay reads them from its platform's secret store at run time). Each source's mapping is
embedded as data from `relays.spec`, with the interpreter for the target language:
`relays/runtime.py` itself for Python, `templates/_mapping.js.j2` for JavaScript and
`templates/_github.jq.j2` for jq.

Errors: `InvalidRelayRequest` (a `ValueError`) with a message fit to show the user, for an
unknown kind, a URL that is not a plain http(s) base URL, or a project id that is not a UUID.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import jinja2

from relays import runtime
from relays.spec import GITHUB_ACTIONS, SPECS

TEMPLATES_DIR: Final = Path(__file__).resolve().parent.parent / "templates"
RUNTIME_MARKER: Final = "# --- runtime body (embedded into relays) ---\n"


@dataclass(frozen=True)
class Kind:
    source: str
    template: str
    filename: str
    content_type: str


KINDS: Final = {
    "github-actions": Kind(
        "github", "github-actions.yml.j2", "tasksync.yml", "application/yaml"
    ),
    "jira-relay": Kind("jira", "jira_relay.py.j2", "jira_relay.py", "text/x-python"),
    "jira-worker": Kind("jira", "jira-worker.mjs.j2", "jira-worker.mjs", "text/javascript"),
    "linear-worker": Kind(
        "linear", "linear-worker.mjs.j2", "linear-worker.mjs", "text/javascript"
    ),
    "linear-vercel": Kind(
        "linear", "linear-vercel.mjs.j2", "linear-webhook.mjs", "text/javascript"
    ),
}

# Characters that could end a quoted string in one of the targets (YAML, bash, JS, Python)
# are refused outright, so the URL can be written in without escaping rules per language.
_URL_CHARS = re.compile(r"[A-Za-z0-9._~:/@!&()*+,;=%\[\]-]+")


class InvalidRelayRequest(ValueError):
    """The kind, URL or project id cannot make a relay; the message says why."""


@dataclass(frozen=True)
class RenderedRelay:
    kind: str
    text: str
    filename: str
    content_type: str


def task_sync_url(url: str, project_id: str) -> str:
    """`<base>/api/v1/projects/<id>/task-sync/` after validating both parts."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRelayRequest(
            f"--url must be an http(s) URL such as https://tasks.example.com, not {url!r}"
        )
    if parts.query or parts.fragment or not _URL_CHARS.fullmatch(url.strip()):
        raise InvalidRelayRequest(
            "--url must be the server's base URL, without query, fragment or quotes"
        )
    base = url.strip().rstrip("/")
    if base.endswith("/api/v1"):
        raise InvalidRelayRequest("--url is the server's base URL; leave out /api/v1")
    try:
        project = uuid.UUID(project_id.strip())
    except ValueError:
        raise InvalidRelayRequest(
            f"--project must be a project id (a UUID), not {project_id!r}"
        ) from None
    return f"{base}/api/v1/projects/{project}/task-sync/"


def runtime_body() -> str:
    """The Python interpreter of the spec, as embedded into the Python relay."""
    source = Path(runtime.__file__).read_text(encoding="utf-8")
    return source.split(RUNTIME_MARKER, 1)[1].strip()


def spec_literal(source: str) -> str:
    """The spec as JSON laid out one field per line; also valid jq, JavaScript and Python."""
    spec = SPECS[source]

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    fields = ",\n".join(f"    {dump(field)}" for field in spec["fields"])
    return (
        "{\n"
        f'  "source": {dump(spec["source"])},\n'
        f'  "accept": {dump(spec["accept"])},\n'
        f'  "issue": {dump(spec["issue"])},\n'
        f'  "fields": [\n{fields}\n  ],\n'
        f'  "limits": {dump(spec["limits"])}\n'
        "}"
    )


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - programs, not HTML
        keep_trailing_newline=True,
    )


def _context(kind: str, source: str, url: str) -> dict[str, Any]:
    env = _environment()
    context: dict[str, Any] = {
        "kind_json": json.dumps(kind),
        "source": source,
        "task_sync_url": url,
        "task_sync_url_json": json.dumps(url),
        "task_sync_url_py": repr(url),
        "spec_json": spec_literal(source),
        "runtime_body": runtime_body(),
        "github_actions": GITHUB_ACTIONS,
    }
    if kind == "github-actions":
        context["jq_program"] = env.get_template("_github.jq.j2").render(context).strip()
    return context


def render(kind: str, *, url: str, project_id: str) -> RenderedRelay:
    """The relay program of `kind` for the project `project_id` of the server at `url`."""
    if kind not in KINDS:
        raise InvalidRelayRequest(
            f"unknown relay kind {kind!r}; choose one of {', '.join(KINDS)}"
        )
    spec = KINDS[kind]
    endpoint = task_sync_url(url, project_id)
    text = (
        _environment().get_template(spec.template).render(_context(kind, spec.source, endpoint))
    )
    return RenderedRelay(kind, text, spec.filename, spec.content_type)

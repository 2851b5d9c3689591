"""The source mappings, as data: what each tool's issue becomes in a task-sync payload.

Each source has one `Spec`, and this module is the only place it is written. The generator
embeds a spec as a JSON literal into every relay of that source, where a small interpreter
written once per target language (`relays/runtime.py` for Python, `templates/_mapping.js.j2`
for JavaScript, `templates/_github.jq.j2` for jq) applies it. The importer applies the same
spec through `relays.mappings`.

A spec has three parts:

- `accept`: conditions on the webhook envelope, all of which must hold for the event to be
  forwarded. `[path, allowed values]`; anything else (deletes, comments, …) is acknowledged
  and dropped.
- `issue`: the path from the envelope to the issue object.
- `fields`: `[payload field, transform, [path, …]]`. Paths are evaluated on
  `{"issue": <issue>, "event": <envelope>}`; the first one that holds a non-null value is
  handed to the transform (or null when none does). A transform returning null leaves the
  field out of the payload, which is how empty strings are "sent as nothing" (SPEC 4.1).

Transforms are a closed vocabulary, each implemented once per runtime language and pinned
equal by tests that run every runtime on the same inputs:

| transform | input | output |
| --- | --- | --- |
| `text` | string | trimmed, null when empty |
| `id` | string or whole number | trimmed decimal/string |
| `name` | string | `text`, cut to 512 code points |
| `description` | string | `text`, cut to 100,000 code points |
| `adf_description` | string or Atlassian Document Format | plain text, then `description` |
| `url` | string | `text` when it is an absolute http(s) URL |
| `points` | number | rounded half up, clamped to 0–999 |
| `rfc3339` | Jira time `…+0300` or RFC 3339 | RFC 3339 (`…+03:00`) |
| `jira_points` | `fields` | `points` of the configured story-point field |
| `jira_email` | assignee | `emailAddress`, else the accountId→email setting |
| `jira_browse_url` | issue | origin of `self` + `/browse/` + `key` |
| `linear_identifier` | issue | `identifier`, else `<team.key>-<number>` |
| `linear_parent` | issue | `parent.identifier`, else a known `parentId`→identifier |
| `github_status` | issue | `open`, `closed` or `not_planned` |
| `github_email` | issue | first assignee login with a configured email |
| `github_points` | issue | `points` of the first `<prefix><number>` label |
"""

from __future__ import annotations

from typing import Final, Literal, TypedDict

Source = Literal["github", "jira", "linear"]

# Server limits (SPEC 4.1); the runtimes receive them through the spec, never hard-code them.
NAME_MAX: Final = 512
DESCRIPTION_MAX: Final = 100_000
POINTS_MAX: Final = 999

Path = list[str]


class Spec(TypedDict):
    source: str
    accept: list[tuple[Path, list[str]]]
    issue: Path
    fields: list[tuple[str, str, list[Path]]]
    limits: dict[str, int]


_LIMITS: Final = {"name": NAME_MAX, "description": DESCRIPTION_MAX, "points": POINTS_MAX}

# The `issues` actions that change what the task should look like. `deleted` and
# `transferred` (the issue now lives in another repository) are deliberately absent.
GITHUB_ACTIONS: Final = [
    "opened",
    "edited",
    "closed",
    "reopened",
    "assigned",
    "unassigned",
    "labeled",
    "unlabeled",
]

GITHUB: Final[Spec] = {
    "source": "github",
    "accept": [(["action"], GITHUB_ACTIONS)],
    "issue": ["issue"],
    "fields": [
        ("external_id", "id", [["issue", "number"]]),
        ("name", "name", [["issue", "title"]]),
        ("description", "description", [["issue", "body"]]),
        ("status", "github_status", [["issue"]]),
        ("assignee_email", "github_email", [["issue"]]),
        ("story_points", "github_points", [["issue"]]),
        ("external_url", "url", [["issue", "html_url"]]),
        ("updated_at", "rfc3339", [["issue", "updated_at"]]),
    ],
    "limits": _LIMITS,
}

JIRA: Final[Spec] = {
    "source": "jira",
    # Jira's own event names; `jira:issue_deleted`, `comment_*`, `worklog_*` … are dropped.
    "accept": [(["webhookEvent"], ["jira:issue_created", "jira:issue_updated"])],
    "issue": ["issue"],
    "fields": [
        ("external_id", "id", [["issue", "key"]]),
        ("name", "name", [["issue", "fields", "summary"]]),
        ("description", "adf_description", [["issue", "fields", "description"]]),
        ("status", "text", [["issue", "fields", "status", "name"]]),
        ("assignee_email", "jira_email", [["issue", "fields", "assignee"]]),
        ("story_points", "jira_points", [["issue", "fields"]]),
        ("external_url", "jira_browse_url", [["issue"]]),
        ("parent_external_id", "id", [["issue", "fields", "parent", "key"]]),
        ("updated_at", "rfc3339", [["issue", "fields", "updated"]]),
    ],
    "limits": _LIMITS,
}

LINEAR: Final[Spec] = {
    "source": "linear",
    "accept": [(["type"], ["Issue"]), (["action"], ["create", "update"])],
    "issue": ["data"],
    "fields": [
        ("external_id", "linear_identifier", [["issue"]]),
        ("name", "name", [["issue", "title"]]),
        ("description", "description", [["issue", "description"]]),
        ("status", "text", [["issue", "state", "name"]]),
        ("assignee_email", "text", [["issue", "assignee", "email"]]),
        ("story_points", "points", [["issue", "estimate"]]),
        # Captures from 2023 carry no `data.url`; the envelope's `url` is the same page.
        ("external_url", "url", [["issue", "url"], ["event", "url"]]),
        ("parent_external_id", "linear_parent", [["issue"]]),
        ("updated_at", "rfc3339", [["issue", "updatedAt"]]),
    ],
    "limits": _LIMITS,
}

SPECS: Final[dict[str, Spec]] = {"github": GITHUB, "jira": JIRA, "linear": LINEAR}

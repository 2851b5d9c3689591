"""Translate a source tool's issue into a task-sync payload (SPEC 4.1), in Python.

This is the importer's door to the same mapping every relay runs (`relays.spec`), so an
issue imported from an export and a webhook about that issue produce the same payload.

    from relays.mappings import MappingOptions, translate, iter_issues

    translate("jira", webhook_body)              # a webhook → payload, or None if not forwarded
    translate("jira", issue)                     # a bare issue (REST search result item)
    for issue in iter_issues("github", export):  # an export document → its issue objects
        payload = translate("github", issue, options)

What `translate` accepts, per source:

- `jira`: a webhook body has `webhookEvent`; a bare issue is an item of the
  `{"issues": [...]}` answered by `/rest/api/*/search`.
- `github`: a webhook body has `action` and `issue`; a bare issue is a REST issue, or an item
  of `gh issue list --json number,title,body,state,stateReason,assignees,url,updatedAt,labels`.
- `linear`: a webhook body has `action`, `type` and `data`; a bare issue is an Issue object
  (what a webhook carries in `data`).

The result is a plain dict ready to be JSON-encoded, holding only the fields that have a
value (an empty string is left out, never sent as `""`), or None when the webhook is not
forwarded (deletes, other objects) or the issue has no usable id. `MappingOptions` carries
what relays read from their environment. Linear sub-issues that name their parent only by
UUID get `parent_external_id` only when `linear_parent_ids` knows that UUID: `iter_issues`
cannot fill it, but `linear_parent_ids_of(issues)` builds it from a whole export.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from relays import runtime
from relays.spec import SPECS

Payload = dict[str, Any]


class UnknownSource(ValueError):
    """The source is not one of github, jira, linear."""


@dataclass(frozen=True)
class MappingOptions:
    """Run-time settings of the mapping; the relays read the same names from their env."""

    story_points_field: str = "customfield_10016"  # JIRA_STORY_POINTS_FIELD
    account_emails: Mapping[str, str] = field(default_factory=dict)  # JIRA_ACCOUNT_EMAILS
    assignee_emails: Mapping[str, str] = field(default_factory=dict)  # TPPM_ASSIGNEE_EMAILS
    points_label_prefix: str = "points:"  # TPPM_POINTS_LABEL_PREFIX
    linear_parent_ids: Mapping[str, str] = field(default_factory=dict)

    def as_runtime(self) -> dict[str, Any]:
        return {
            "story_points_field": self.story_points_field,
            "account_emails": dict(self.account_emails),
            "assignee_emails": dict(self.assignee_emails),
            "points_label_prefix": self.points_label_prefix,
            "linear_parent_ids": dict(self.linear_parent_ids),
        }


def _spec(source: str) -> dict[str, Any]:
    try:
        return dict(SPECS[source])
    except KeyError:
        known = ", ".join(sorted(SPECS))
        raise UnknownSource(f"unknown source {source!r}; expected one of {known}") from None


def is_webhook(source: str, document: Mapping[str, Any]) -> bool:
    if source == "jira":
        return "webhookEvent" in document
    if source == "github":
        return "action" in document and "issue" in document
    return "action" in document and "type" in document and "data" in document


def _from_gh_cli(item: Mapping[str, Any]) -> dict[str, Any]:
    """`gh issue list --json` speaks camelCase and upper-case enums; the spec reads REST."""
    reason = item.get("stateReason")
    return {
        **item,
        "state": str(item.get("state", "")).lower(),
        "state_reason": reason.lower() if isinstance(reason, str) and reason else None,
        "html_url": item.get("url"),
        "updated_at": item.get("updatedAt"),
    }


def translate(
    source: str, document: Mapping[str, Any], options: MappingOptions | None = None
) -> Payload | None:
    """The payload for a webhook body or a bare issue of `source`, or None (see module doc)."""
    spec = _spec(source)
    opts = (options or MappingOptions()).as_runtime()
    if is_webhook(source, document):
        return runtime.map_event(spec, dict(document), opts)
    issue = dict(document)
    if source == "github" and "html_url" not in issue and "updatedAt" in issue:
        issue = _from_gh_cli(issue)
    return runtime.map_issue(spec, issue, {}, opts)


def iter_issues(source: str, document: Any) -> Iterator[Mapping[str, Any]]:
    """The issue objects of an export: Jira `{"issues": [...]}`, or a JSON array (gh, Linear).

    Linear exports fetched through GraphQL as `{"data": {"issues": {"nodes": [...]}}}` are
    also understood.
    """
    _spec(source)
    items: Any = document
    if isinstance(document, Mapping):
        items = document.get("issues")
        if items is None:
            items = runtime.get_path(dict(document), ["data", "issues", "nodes"])
    if not isinstance(items, list):
        raise ValueError(f"not a {source} export: expected a list of issues")
    yield from (item for item in items if isinstance(item, Mapping))


def linear_parent_ids_of(issues: list[Mapping[str, Any]]) -> dict[str, str]:
    """UUID → identifier for every Linear issue of an export, to resolve `parentId`."""
    known: dict[str, str] = {}
    for issue in issues:
        identifier = runtime.t_linear_identifier(dict(issue))
        if isinstance(issue.get("id"), str) and identifier is not None:
            known[issue["id"]] = identifier
    return known

"""The Python interpreter of a mapping spec (see `relays.spec`).

Everything below the `runtime body` marker is copied verbatim into the generated Jira relay,
so it must stay standard-library only and run on Python 3.9 (the relay's floor): no `match`,
no `X | Y` outside annotations. `relays.mappings` is the typed front door for the importer.

Options are a plain dict so the relay can build them from its environment:
`story_points_field`, `account_emails`, `assignee_emails`, `points_label_prefix`,
`linear_parent_ids` (parent UUID → identifier, for imports that know the whole tree).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

# --- runtime body (embedded into relays) ---

# ASCII whitespace only, so that Python, JavaScript and jq trim the same characters.
_WS = " \t\n\r\f\v"
_RFC3339 = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})"
)
_ORIGIN = re.compile(r"(https?://[^/?#]+)")
_POINTS_LABEL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_ADF_CONTAINERS = [
    *("blockquote", "listItem", "panel", "table", "tableRow", "tableCell", "tableHeader"),
    *("expand", "nestedExpand", "layoutSection", "layoutColumn", "mediaSingle", "mediaGroup"),
    *("decisionList", "taskList"),
]


def get_path(value: Any, path: list[str]) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def t_text(value: Any, limit: int = 0) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip(_WS)
    # Slicing a str counts code points, as the server does; no character is split.
    if limit and len(text) > limit:
        text = text[:limit]
    return text or None


def t_id(value: Any) -> str | None:
    if _is_number(value) and float(value).is_integer():
        return str(int(value))
    return t_text(value)


def t_url(value: Any) -> str | None:
    text = t_text(value)
    if text is None or not re.match(r"https?://", text):
        return None
    return text


def t_points(value: Any, limit: int) -> int | None:
    if not _is_number(value) or math.isnan(value) or math.isinf(value):
        return None
    # Half up (2.5 → 3), like JavaScript's Math.round and jq's floor(x + 0.5).
    rounded: int = math.floor(value + 0.5)
    return max(0, min(limit, rounded))


def t_rfc3339(value: Any) -> str | None:
    text = t_text(value)
    match = _RFC3339.fullmatch(text) if text else None
    if match is None:
        return None
    offset = match.group(2)
    if offset != "Z" and ":" not in offset:
        # Jira writes `+0300`; RFC 3339 wants `+03:00`.
        offset = offset[:3] + ":" + offset[3:]
    return match.group(1) + offset


def _inline_adf(kind: Any, node: dict[str, Any], attrs: dict[str, Any]) -> str | None:
    if kind == "text":
        text = node.get("text")
        return text if isinstance(text, str) else ""
    if kind == "hardBreak":
        return "\n"
    if kind in ("mention", "emoji", "status", "inlineCard", "blockCard"):
        found = [attrs.get(key) for key in ("text", "shortName", "url")]
        return next((text for text in found if isinstance(text, str)), "")
    return None


def adf_text(node: Any) -> str:
    """Atlassian Document Format → plain text: blocks on their own lines, lists bulleted."""
    if not isinstance(node, dict):
        return ""
    kind, raw_attrs, content = node.get("type"), node.get("attrs"), node.get("content")
    attrs: dict[str, Any] = raw_attrs if isinstance(raw_attrs, dict) else {}
    inline = _inline_adf(kind, node, attrs)
    if inline is not None:
        return inline
    texts = [adf_text(child) for child in content] if isinstance(content, list) else []
    if kind == "bulletList":
        return "\n".join("- " + text for text in texts)
    if kind == "orderedList":
        order = attrs.get("order")
        first = int(order) if _is_number(order) and order is not None else 1
        return "\n".join(str(first + i) + ". " + text for i, text in enumerate(texts))
    if kind == "doc":
        return "\n\n".join(text for text in texts if text)
    if kind in _ADF_CONTAINERS:
        return "\n".join(text for text in texts if text)
    return "".join(texts)


def t_adf_description(value: Any, limit: int) -> str | None:
    if isinstance(value, dict):
        value = adf_text(value)
    return t_text(value, limit)


def t_jira_email(assignee: Any, options: dict[str, Any]) -> str | None:
    # Jira Cloud hides emails by default: the assignee then carries only an accountId.
    email = t_text(get_path(assignee, ["emailAddress"]))
    if email is None:
        account = get_path(assignee, ["accountId"])
        if isinstance(account, str):
            email = t_text(options.get("account_emails", {}).get(account))
    return email


def t_jira_browse_url(issue: Any) -> str | None:
    self_url, key = t_text(get_path(issue, ["self"])), t_id(get_path(issue, ["key"]))
    match = _ORIGIN.match(self_url) if self_url else None
    if match is None or key is None:
        return None
    return match.group(1) + "/browse/" + key


def t_linear_identifier(issue: Any) -> str | None:
    identifier = t_text(get_path(issue, ["identifier"]))
    if identifier is not None:
        return identifier
    team, number = t_text(get_path(issue, ["team", "key"])), get_path(issue, ["number"])
    if team is None or not _is_number(number) or not float(number).is_integer():
        return None
    return team + "-" + str(int(number))


def t_linear_parent(issue: Any, options: dict[str, Any]) -> str | None:
    parent = t_text(get_path(issue, ["parent", "identifier"]))
    if parent is None:
        parent_id = get_path(issue, ["parentId"])
        if isinstance(parent_id, str):
            parent = t_text(options.get("linear_parent_ids", {}).get(parent_id))
    return parent


def t_github_status(issue: Any) -> str | None:
    state = t_text(get_path(issue, ["state"]))
    if state != "closed":
        return state
    reason = get_path(issue, ["state_reason"])
    return "not_planned" if reason == "not_planned" else "closed"


def _logins(issue: Any) -> list[str]:
    people = get_path(issue, ["assignees"])
    if not isinstance(people, list):
        people = [get_path(issue, ["assignee"])]
    logins = [get_path(person, ["login"]) for person in people]
    return [login for login in logins if isinstance(login, str)]


def t_github_email(issue: Any, options: dict[str, Any]) -> str | None:
    emails = options.get("assignee_emails", {})
    # Logins are ASCII and case-insensitive on GitHub; the map's keys may be written either way.
    folded = {str(key).lower(): value for key, value in emails.items()}
    for login in _logins(issue):
        email = t_text(emails.get(login, folded.get(login.lower())))
        if email is not None:
            return email
    return None


def t_github_points(issue: Any, options: dict[str, Any], limit: int) -> int | None:
    prefix = options.get("points_label_prefix") or "points:"
    labels = get_path(issue, ["labels"])
    for label in labels if isinstance(labels, list) else []:
        name = get_path(label, ["name"])
        if not isinstance(name, str) or not name.startswith(prefix):
            continue
        rest = name[len(prefix) :].strip(_WS)
        if _POINTS_LABEL.fullmatch(rest):
            return t_points(float(rest), limit)
    return None


def _transforms(
    options: dict[str, Any], limits: dict[str, int]
) -> dict[str, Callable[..., Any]]:
    field = options.get("story_points_field") or "customfield_10016"
    return {
        "text": t_text,
        "id": t_id,
        "url": t_url,
        "name": lambda v: t_text(v, limits["name"]),
        "description": lambda v: t_text(v, limits["description"]),
        "adf_description": lambda v: t_adf_description(v, limits["description"]),
        "points": lambda v: t_points(v, limits["points"]),
        "rfc3339": t_rfc3339,
        "jira_points": lambda v: t_points(get_path(v, [field]), limits["points"]),
        "jira_email": lambda v: t_jira_email(v, options),
        "jira_browse_url": t_jira_browse_url,
        "linear_identifier": t_linear_identifier,
        "linear_parent": lambda v: t_linear_parent(v, options),
        "github_status": t_github_status,
        "github_email": lambda v: t_github_email(v, options),
        "github_points": lambda v: t_github_points(v, options, limits["points"]),
    }


def accepts(spec: dict[str, Any], event: Any) -> bool:
    return all(get_path(event, path) in allowed for path, allowed in spec["accept"])


def map_issue(
    spec: dict[str, Any], issue: Any, event: Any, options: dict[str, Any]
) -> dict[str, Any] | None:
    """The payload for one issue, or None when it has no usable external id."""
    if not isinstance(issue, dict):
        return None
    root = {"issue": issue, "event": event if isinstance(event, dict) else {}}
    transforms = _transforms(options, spec["limits"])
    payload: dict[str, Any] = {"source": spec["source"]}
    for field, transform, paths in spec["fields"]:
        found = [get_path(root, path) for path in paths]
        value = transforms[transform](next((v for v in found if v is not None), None))
        if value is not None:
            payload[field] = value
    return payload if "external_id" in payload else None


def map_event(
    spec: dict[str, Any], event: Any, options: dict[str, Any]
) -> dict[str, Any] | None:
    """The payload for a webhook body, or None when the event is not forwarded."""
    if not isinstance(event, dict) or not accepts(spec, event):
        return None
    return map_issue(spec, get_path(event, spec["issue"]), event, options)

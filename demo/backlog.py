"""A project's backlog as a rich table: hierarchy, status, assignee or parked email."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

STATUS_STYLE = {
    "BACKLOG": "dim",
    "NOT_STARTED": "white",
    "IN_PROGRESS": "yellow",
    "REVIEW": "magenta",
    "ON_HOLD": "red",
    "COMPLETE": "green",
}


def _ordered(tasks: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Depth-first: each parent followed by its children, roots by short id."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    ids = {task["id"] for task in tasks}
    for task in sorted(tasks, key=lambda t: t["short_id"]):
        parent = task["parent_id"] if task["parent_id"] in ids else None
        children.setdefault(parent, []).append(task)
    ordered: list[tuple[int, dict[str, Any]]] = []

    def walk(parent: str | None, depth: int) -> None:
        for task in children.get(parent, []):
            ordered.append((depth, task))
            walk(task["id"], depth + 1)

    walk(None, 0)
    return ordered


def _who(task: dict[str, Any]) -> str:
    if task["assignee"]:
        return f"[green]{task['assignee']['email']}[/]"
    parked = (task["link"] or {}).get("pending_assignee_email")
    return f"[yellow]{parked}[/] [dim](parked)[/]" if parked else "[dim]–[/]"


def _parent(task: dict[str, Any]) -> str:
    link = task["link"] or {}
    waiting = link.get("parent_external_id")
    if waiting and not task["parent_id"]:
        return f"[dim]waits for {waiting}[/]"
    return ""


def backlog_table(tasks: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title, show_lines=False, expand=False)
    for column in ("id", "task", "source", "ext id", "status", "assignee", "pts", "parent"):
        table.add_column(column, no_wrap=column in ("id", "ext id", "status", "pts"))
    for depth, task in _ordered(tasks):
        link = task["link"] or {}
        indent = "   " * (depth - 1) + "└─ " if depth else ""
        name = task["name"] if len(task["name"]) <= 60 else task["name"][:57] + "…"
        status = task["status"]
        table.add_row(
            task["short_id"],
            indent + name,
            link.get("source", ""),
            link.get("external_id", ""),
            f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]",
            _who(task),
            "" if task["story_points"] is None else str(task["story_points"]),
            _parent(task),
        )
    return table


def print_summary(console: Console, detail: dict[str, Any], pending: Any) -> None:
    console.print(
        f"unresolved assignees: [bold]{detail.get('unresolved_assignee_count')}[/]   "
        f"unmapped statuses: {detail.get('unmapped_statuses') or 'none'}"
    )
    rows = pending.get("results", pending) if isinstance(pending, dict) else pending
    if rows:
        table = Table(title="Parked emails (add these people to the project)")
        table.add_column("email")
        table.add_column("tasks", justify="right")
        for row in rows:
            table.add_row(str(row.get("email")), str(row.get("task_count", row.get("tasks"))))
        console.print(table)

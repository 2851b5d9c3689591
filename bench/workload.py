"""The pushes the benchmark sends: one JSON body per line (SPEC 4.1).

10,000 distinct external ids, each pushed twice: first a create, then an update that
changes its status and name, so exactly half the requests create and half update. One task
in ten is an epic that the next nine name as their parent; assignee emails alternate between
project members (resolved), outsiders (parked on the link) and none; statuses are the ones
a Jira relay sends, one of them unmapped (counted and warned about).
"""

from __future__ import annotations

import json
from pathlib import Path

STATUSES = ["To Do", "In Progress", "In Review", "Done", "Blocked", "Backlog", "Waiting on QA"]
MEMBERS = [f"member{n}@bench.example" for n in range(5)]


def push(number: int, *, update: bool, prefix: str = "BENCH") -> dict[str, object]:
    key = f"{prefix}-{number}"
    body: dict[str, object] = {
        "source": "jira",
        "external_id": key,
        "name": f"Task {number}" + (" (edited)" if update else ""),
        "description": f"Pushed by the benchmark; task {number} of the backlog.",
        "status": STATUSES[(number + (2 if update else 0)) % len(STATUSES)],
        "story_points": number % 13,
        "external_url": f"https://example.atlassian.net/browse/{key}",
    }
    if number % 10:
        body["parent_external_id"] = f"{prefix}-{number - number % 10}"
    if number % 3 == 0:
        body["assignee_email"] = MEMBERS[number % len(MEMBERS)]
    elif number % 3 == 1:
        body["assignee_email"] = f"outsider{number % 50}@elsewhere.example"
    return body


def write_bodies(path: Path, distinct_ids: int = 10_000, prefix: str = "BENCH") -> Path:
    """Creates for every id, then updates for every id; one compact JSON object a line.

    Each round of a run uses its own `prefix`, so every round creates as many as it updates.
    """
    with path.open("w", encoding="utf-8") as out:
        for update in (False, True):
            for number in range(distinct_ids):
                out.write(
                    json.dumps(
                        push(number, update=update, prefix=prefix), separators=(",", ":")
                    )
                )
                out.write("\n")
    return path

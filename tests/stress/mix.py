"""The traffic of the stress run: what one request of the mix is.

Per 100 requests, about 91 pushes and 9 reads. Of the pushes, most update a key already
sent (status changes, as relays send them), about a third create one (some as children of an
earlier key), a few carry an `updated_at` older than the stored one (stale, answered 200 with
a warning), a few an unmapped status, and a few break a field rule (400). The reads are the
ones a console or a script makes: the backlog, the project detail, the audit log, /healthz.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

STATUSES = ["To Do", "In Progress", "In Review", "Done", "Blocked", "Backlog"]

# Fractions of all requests.
READ_SHARE = 0.09
INVALID_SHARE = 0.02
STALE_SHARE = 0.03
UNMAPPED_SHARE = 0.03
CREATE_SHARE = 0.33


@dataclass
class Request:
    kind: str  # push, invalid, stale, read
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None = None


@dataclass
class Project:
    id: str
    token: str
    reader: dict[str, str]  # its owner's JWT headers, for the reads
    keys: list[str] = field(default_factory=list)
    next_number: int = 0

    def new_key(self) -> str:
        self.next_number += 1
        return f"STRESS-{self.next_number}"


@dataclass
class Mix:
    projects: list[Project]
    rng: random.Random = field(default_factory=lambda: random.Random(1))

    def next(self, is_read: bool) -> Request:
        project = self.rng.choice(self.projects)
        if is_read:
            return self._read(project)
        return self._push(project)

    def _read(self, project: Project) -> Request:
        base = f"/api/v1/projects/{project.id}/"
        path = self.rng.choice(
            [base + "tasks/?limit=50", base, base + "api-token-audit/?limit=50", "/healthz"]
        )
        return Request("read", "GET", path, project.reader)

    def _push(self, project: Project) -> Request:
        headers = {"Authorization": f"Bearer {project.token}"}
        path = f"/api/v1/projects/{project.id}/task-sync/"
        roll = self.rng.random()
        kind = "push"
        body: dict[str, Any]
        if roll < INVALID_SHARE:
            kind = "invalid"
            body = {"source": "Jira", "external_id": "X", "title": "a typo'd field"}
        elif roll < INVALID_SHARE + CREATE_SHARE or not project.keys:
            body = self._create(project)
        else:
            key = self.rng.choice(project.keys)
            body = {"source": "jira", "external_id": key, "status": self.rng.choice(STATUSES)}
            roll -= INVALID_SHARE + CREATE_SHARE
            if roll < STALE_SHARE:
                kind = "stale"
                body["updated_at"] = "2000-01-01T00:00:00Z"
            elif roll < STALE_SHARE + UNMAPPED_SHARE:
                body["status"] = f"Custom {self.rng.randrange(5)}"
        return Request(kind, "POST", path, headers, body)

    def _create(self, project: Project) -> dict[str, Any]:
        key = project.new_key()
        body: dict[str, Any] = {
            "source": "jira",
            "external_id": key,
            "name": f"Task {key}",
            "description": "Stress run. " * self.rng.randrange(1, 40),
            "status": self.rng.choice(STATUSES),
            "story_points": self.rng.randrange(0, 13),
            "external_url": f"https://example.atlassian.net/browse/{key}",
            "updated_at": "2026-01-01T00:00:00Z",
        }
        if project.keys and self.rng.random() < 0.4:
            body["parent_external_id"] = self.rng.choice(project.keys[-50:])
        project.keys.append(key)
        return body

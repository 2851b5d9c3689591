"""Push traffic against a real `tasksync serve`, and a client-side ledger of what was
acknowledged, so a check after a crash knows exactly what the database must hold.

Each pusher owns its keys (so the order of pushes to a key is the order it sent them) and
keeps pushing: new keys, repeats of a few keys it owns, children of those, and now and then
a key every pusher shares. A 2xx is acknowledged; a push whose answer never came (the server
died, the connection broke) may or may not have committed, so it stays a candidate.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from server.config import load_settings
from server.tools import add_user
from tests.conftest import ADMIN_EMAIL, PASSWORD, LiveServer, login, start_server

# No rate limit in these tests: they are about the disk, not the window.
UNLIMITED = {"TASKSYNC_RATE_LIMIT": "1000000", "TASKSYNC_BACKFILL_RATE_LIMIT": "1000000"}

# External status as sent → internal status the task must have after it.
STATUSES = [
    ("To Do", "NOT_STARTED"),
    ("In Progress", "IN_PROGRESS"),
    ("In Review", "REVIEW"),
    ("Done", "COMPLETE"),
]

SHARED_KEY = "SHARED-1"
Key = tuple[str, str, str]  # project id, source, external id


@dataclass(frozen=True)
class Push:
    key: Key
    name: str
    status: str  # internal
    parent: str | None

    def payload(self) -> dict[str, Any]:
        external = next(sent for sent, internal in STATUSES if internal == self.status)
        body: dict[str, Any] = {
            "source": self.key[1],
            "external_id": self.key[2],
            "name": self.name,
            "status": external,
        }
        if self.parent is not None:
            body["parent_external_id"] = self.parent
        return body


@dataclass
class Ack:
    push: Push
    task_id: str
    short_id: str


@dataclass
class Ledger:
    """Per key: the last acknowledged push, and the pushes sent after it with no answer."""

    acked: dict[Key, Ack] = field(default_factory=dict)
    unknown: dict[Key, list[Push]] = field(default_factory=dict)
    acks: int = 0
    attempts: dict[str, int] = field(default_factory=dict)  # per project
    acks_by_project: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # answers that were neither 2xx nor lost
    shared_tasks: dict[Key, set[str]] = field(default_factory=dict)  # pushed by many clients
    history: dict[Key, list[Push]] = field(default_factory=dict)  # every push sent, in order
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self, push: Push) -> None:
        with self.lock:
            project = push.key[0]
            self.attempts[project] = self.attempts.get(project, 0) + 1
            self.history.setdefault(push.key, []).append(push)

    def answered(self, push: Push, answer: dict[str, Any]) -> None:
        with self.lock:
            self.acks += 1
            project = push.key[0]
            self.acks_by_project[project] = self.acks_by_project.get(project, 0) + 1
            if push.key[2] == SHARED_KEY:
                self.shared_tasks.setdefault(push.key, set()).add(answer["task_id"])
                return
            self.acked[push.key] = Ack(push, answer["task_id"], answer["short_id"])
            self.unknown.pop(push.key, None)

    def lost(self, push: Push) -> None:
        with self.lock:
            if push.key[2] == SHARED_KEY:
                return
            self.unknown.setdefault(push.key, []).append(push)

    def candidates(self, key: Key) -> list[Push]:
        """Every content the key may hold: the last acknowledged push or a later lost one."""
        acked = [self.acked[key].push] if key in self.acked else []
        return acked + self.unknown.get(key, [])

    def since(self, ack: Ack) -> list[Push]:
        """The acknowledged push and every push to its key sent after it."""
        with self.lock:
            sent = self.history[ack.push.key]
            return sent[sent.index(ack.push) :]

    def snapshot(self) -> dict[Key, Ack]:
        with self.lock:
            return dict(self.acked)


@dataclass
class Fleet:
    """Projects and their tokens, made through the API of a running server."""

    data_dir: Path
    projects: list[tuple[str, str]]  # (project id, raw token)
    admin: dict[str, str]


def launch(data_dir: Path, projects: int, **env: str) -> tuple[LiveServer, Fleet]:
    """A server on `data_dir` (its log goes next to it) with `projects` projects and tokens."""
    add_user(load_settings({}, data_dir=data_dir), ADMIN_EMAIL, "Admin", PASSWORD)
    server = start_server(data_dir, **{**UNLIMITED, **env})
    with server.client() as client:
        admin = login(client, ADMIN_EMAIL)
        made = []
        for n in range(projects):
            project = client.post("/api/v1/projects/", json={"name": f"P{n}"}, headers=admin)
            project_id = project.json()["id"]
            minted = client.post(
                f"/api/v1/projects/{project_id}/api-tokens/",
                json={"name": "relay"},
                headers=admin,
            )
            made.append((project_id, minted.json()["token"]))
    return server, Fleet(data_dir, made, admin)


@dataclass
class Pusher:
    """One client: pushes in sequence, so the order of its pushes to a key is known."""

    number: int
    project_id: str
    token: str
    ledger: Ledger
    rng: random.Random
    source: str = "jira"
    sent: int = 0
    owned: list[str] = field(default_factory=list)  # keys it repeats, parents of the others

    def next_push(self) -> Push:
        self.sent += 1
        roll = self.rng.random()
        parent = None
        if roll < 0.05:
            external_id = SHARED_KEY
        elif roll < 0.45 and self.owned:
            external_id = self.rng.choice(self.owned)
        else:
            external_id = f"C{self.number}-{self.sent}"
            if len(self.owned) < 8:
                self.owned.append(external_id)
            elif self.owned:
                parent = self.rng.choice(self.owned)
        status = self.rng.choice(STATUSES)[1]
        name = f"{external_id} by {self.number} #{self.sent}"
        return Push((self.project_id, self.source, external_id), name, status, parent)

    def run(self, url: str, stop: threading.Event) -> None:
        """Push until `stop` is set or the server goes away."""
        headers = {"Authorization": f"Bearer {self.token}"}
        path = f"/api/v1/projects/{self.project_id}/task-sync/"
        with httpx.Client(base_url=url, timeout=20) as client:
            while not stop.is_set():
                push = self.next_push()
                self.ledger.sent(push)
                try:
                    response = client.post(path, json=push.payload(), headers=headers)
                except httpx.TransportError:
                    self.ledger.lost(push)
                    return
                if response.status_code in (200, 201):
                    self.ledger.answered(push, response.json())
                else:
                    self.ledger.lost(push)
                    self.ledger.failures.append(f"{response.status_code} {response.text}")


def pushers(fleet: Fleet, ledger: Ledger, count: int, seed: int) -> list[Pusher]:
    rng = random.Random(seed)
    made = []
    for n in range(count):
        project_id, token = fleet.projects[n % len(fleet.projects)]
        source = "jira" if n % 2 == 0 else "linear"
        made.append(Pusher(n, project_id, token, ledger, random.Random(rng.random()), source))
    return made


@contextmanager
def traffic(server: LiveServer, clients: list[Pusher]) -> Iterator[threading.Event]:
    """Run every pusher on its own thread for the duration of the block."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=pusher.run, args=(server.url, stop), daemon=True)
        for pusher in clients
    ]
    for thread in threads:
        thread.start()
    try:
        yield stop
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

"""Raw HTTP/1.1 over a socket, for what httpx would normalise away, and a live-server setup."""

from __future__ import annotations

import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from server.config import load_settings
from server.tools import add_user
from tests.conftest import ADMIN_EMAIL, PASSWORD, LiveServer, login, start_server


@dataclass
class Site:
    """A live server with a project and a live token of it."""

    server: LiveServer
    jwt: dict[str, str]
    project_id: str
    token: str
    token_id: str

    @property
    def push_path(self) -> str:
        return f"/api/v1/projects/{self.project_id}/task-sync/"

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.server.url)
        return parts.hostname or "127.0.0.1", parts.port or 80

    def http(self) -> httpx.Client:
        return self.server.client()

    def counts(self) -> dict[str, int]:
        """Rows of every table a push or a mint writes."""
        tables = ("tasks", "task_links", "task_history", "audit_entries", "unmapped_statuses")
        uri = f"file:{self.server.data_dir / 'tasksync.sqlite3'}?mode=ro"
        with sqlite3.connect(uri, uri=True) as conn:
            return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}

    def healthy(self) -> bool:
        with self.http() as http:
            return http.get("/healthz").status_code == 200


def open_site(data_dir: Path, **env: str) -> Site:
    add_user(load_settings({}, data_dir=data_dir), ADMIN_EMAIL, "Admin", PASSWORD)
    server = start_server(data_dir, **env)
    with server.client() as http:
        jwt = login(http, ADMIN_EMAIL)
        project = http.post("/api/v1/projects/", json={"name": "Hostile"}, headers=jwt).json()
        minted = http.post(
            f"/api/v1/projects/{project['id']}/api-tokens/", json={"name": "t"}, headers=jwt
        ).json()
    return Site(server, jwt, project["id"], minted["token"], minted["id"])


def request_head(site: Site, method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: tasksync.test"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def exchange(site: Site, raw: bytes, *, timeout: float = 10.0) -> bytes:
    """Send `raw` and read until the server closes or one whole response has arrived."""
    with socket.create_connection(site.address, timeout=timeout) as sock:
        sock.sendall(raw)
        return read_response(sock)


def read_response(sock: socket.socket) -> bytes:
    data = b""
    while True:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep and len(body) >= _content_length(head):
            return data
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            return data
        if not chunk:
            return data
        data += chunk


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


def wait_closed(sock: socket.socket, within: float) -> bytes:
    """Everything the server sends until it closes `sock`; fails if it is still open."""
    sock.settimeout(within)
    data = b""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        except TimeoutError:
            break
        if not chunk:
            return data
        data += chunk
    raise AssertionError(f"connection still open after {within} s: {data[:200]!r}")

"""A capture stub standing in for tasksync (and Linear's GraphQL API) in relay tests.

It records every request and answers from a queue the test fills (`answer_next`), else with
a task-sync 201. `/graphql` answers Linear parent look-ups from `linear_parents`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Captured:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"{}"


class CaptureStub:
    def __init__(self) -> None:
        self.requests: list[Captured] = []
        self.queue: list[Answer] = []
        self.linear_parents: dict[str, str] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.queue.clear()
            self.linear_parents.clear()

    def answer_next(self, *answers: Answer) -> None:
        with self.lock:
            self.queue.extend(answers)

    def pushes(self) -> list[Captured]:
        with self.lock:
            return [r for r in self.requests if r.path.endswith("/task-sync/")]

    def graphql_calls(self) -> list[Captured]:
        with self.lock:
            return [r for r in self.requests if r.path == "/graphql"]

    def respond(self, captured: Captured) -> Answer:
        with self.lock:
            self.requests.append(captured)
            if captured.path == "/graphql":
                issue_id = captured.json()["variables"]["id"]
                found = self.linear_parents.get(issue_id)
                data = {"issue": {"identifier": found} if found else None}
                return Answer(200, body=json.dumps({"data": data}).encode())
            if self.queue:
                return self.queue.pop(0)
        return Answer(201, body=b'{"created": true}')

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(stub: CaptureStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive like a real server: workerd reuses connections, and an HTTP/1.0 stub
        # closing after each answer races with that reuse ("Network connection lost").
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            answer = stub.respond(Captured(self.path, headers, body))
            self.send_response(answer.status)
            for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler

"""A bare HTTP/1.1 keep-alive client for the stress run.

httpx costs several milliseconds of client CPU a request, so at 200 pushes a second on two
cores the client, not the server, was what the figures measured. This one only writes a
request and reads a `Content-Length` answer: tasksync's answers all carry one.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

# uvicorn closes a connection idle for 5 s (server/serving.py); reopen before that.
IDLE_SECONDS = 4.0


class WireError(Exception):
    """The connection broke or the answer was not HTTP."""


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._last_used = 0.0

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: dict[str, Any] | None
    ) -> int:
        """Send one request; return the answer's status code (the body is read and dropped)."""
        reader, writer = await self._ready()
        payload = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        try:
            status, length = _parse_head(await reader.readuntil(b"\r\n\r\n"))
            await reader.readexactly(length)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError) as exc:
            self.close()
            raise WireError(type(exc).__name__) from exc
        self._last_used = time.monotonic()
        return status

    async def _ready(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._writer is not None and time.monotonic() - self._last_used > IDLE_SECONDS:
            self.close()
        if self._reader is None or self._writer is None:
            try:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            except OSError as exc:
                raise WireError(type(exc).__name__) from exc
        return self._reader, self._writer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


def _parse_head(head: bytes) -> tuple[int, int]:
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split(" ", 2)[1])
    except (IndexError, ValueError) as exc:
        raise WireError(f"not an HTTP answer: {lines[0]!r}") from exc
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return status, length

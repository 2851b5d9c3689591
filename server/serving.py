"""Running the app under uvicorn, as one process (SPEC 9)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

import click
import uvicorn

from server.app import create_app
from server.config import Settings
from server.http.protocol import with_head_deadline
from server.logs import configure

# SIGTERM: stop accepting, let in-flight requests finish, exit well within 10 s.
GRACEFUL_SECONDS = 7


LOCK_FILE = "tasksync.lock"


@contextmanager
def only_server(settings: Settings) -> Iterator[None]:
    """Refuse to start a second server on the same data directory.

    Two processes would each keep their own rate-limit window and token cache, so the limit
    would double and a revocation seen by one would not reach the other.
    """
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(settings.data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise click.ClickException(
                f"another tasksync is already serving {settings.data_dir}; "
                "stop it first (one process per data directory)"
            ) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def run(settings: Settings) -> None:
    configure(settings.log_level, settings.effective_log_format)
    with only_server(settings):
        _serve(settings)


def _serve(settings: Settings) -> None:
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        workers=1,
        loop="uvloop",
        # httptools, with a deadline for the request head (slow clients; see the module).
        http=with_head_deadline(settings.body_timeout_seconds),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        timeout_keep_alive=5,
        server_header=False,
        # uvicorn would otherwise rewrite the peer from X-Forwarded-For for any request from
        # 127.0.0.1, whatever TASKSYNC_TRUSTED_PROXIES says; server/http/client_ip.py decides.
        proxy_headers=False,
    )
    uvicorn.Server(config).run()

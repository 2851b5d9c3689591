"""Running the app under uvicorn, as one process (SPEC 9)."""

from __future__ import annotations

import uvicorn

from server.app import create_app
from server.config import Settings
from server.logs import configure

# SIGTERM: stop accepting, let in-flight requests finish, exit well within 10 s.
GRACEFUL_SECONDS = 8


def run(settings: Settings) -> None:
    configure(settings.log_level, settings.effective_log_format)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        workers=1,
        loop="uvloop",
        http="httptools",
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

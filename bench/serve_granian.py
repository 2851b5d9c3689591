"""`tasksync serve`, but under granian's embedded server: for the server comparison only.

Embedded mode runs the ASGI app on this process's own asyncio (uvloop) loop, with granian's
Rust I/O threads inside the same process, so the one-process guarantee holds (SPEC 9).
SIGTERM and SIGINT stop it the way `server/serving.py` stops uvicorn.
"""

from __future__ import annotations

import asyncio
import signal

import uvloop
from granian.constants import HTTPModes, Interfaces
from granian.server.embed import Server

from server.app import create_app
from server.config import load_settings
from server.logs import configure


def main() -> None:
    settings = load_settings()
    configure(settings.log_level, settings.effective_log_format)
    server = Server(
        create_app(settings),
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        http=HTTPModes.http1,
        websockets=False,
        log_access=False,
    )

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, server.stop)
        await server.serve()

    uvloop.run(serve())


if __name__ == "__main__":
    main()

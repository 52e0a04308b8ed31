"""HTTP mode: Bolt behind uvicorn (ASGI), events, commands and interactivity at ``/slack/events``.

Bolt's own ``app.start()`` is a development server; uvicorn is production-grade. The sync Bolt app runs in a
worker thread per request so one slow ack never blocks the event loop; ``/healthz`` answers load balancers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn
from slack_bolt import App, BoltResponse
from slack_bolt.adapter.asgi import SlackRequestHandler
from slack_bolt.adapter.asgi.http_request import AsgiHttpRequest
from slack_bolt.request import BoltRequest

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ThreadedSlackHandler(SlackRequestHandler):
    """The ASGI adapter, dispatching to the sync app in a thread (verification, ack and response unchanged)."""

    async def dispatch(self, request: AsgiHttpRequest) -> BoltResponse:
        bolt_request = BoltRequest(
            body=await request.get_raw_body(), query=request.query_string, headers=request.get_headers()
        )
        return await asyncio.to_thread(self.app.dispatch, bolt_request)


def make_asgi(app: App) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    handler = ThreadedSlackHandler(app, path=EVENTS_PATH)

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") == HEALTH_PATH and scope.get("method") == "GET":
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
            )
            await send({"type": "http.response.body", "body": b"ok"})
            return
        await handler(scope, receive, send)  # type: ignore[arg-type]

    return asgi


def make_server(app: App, host: str = "127.0.0.1", port: int = 3000) -> uvicorn.Server:
    config = uvicorn.Config(
        make_asgi(app), host=host, port=port, log_level="warning", lifespan="off", access_log=False
    )
    return uvicorn.Server(config)


def serve_http(app: App, host: str = "127.0.0.1", port: int = 3000) -> None:
    """Run until interrupted."""
    make_server(app, host, port).run()

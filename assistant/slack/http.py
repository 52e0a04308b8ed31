"""HTTP mode: Bolt behind uvicorn (ASGI), events, commands and interactivity at ``/slack/events``.

Bolt's own ``app.start()`` is a development server; uvicorn is production-grade. The sync Bolt app runs in a
worker thread per request so one slow ack never blocks the event loop.

Before Bolt sees a request, the ASGI layer here:

- refuses a body over ``MAX_BODY_BYTES`` with 413, from its ``Content-Length`` before reading it, and for a
  chunked body by counting bytes as they arrive (the connection is closed: the rest is never read);
- answers 401 when the Slack signature does not verify, and 400 when a correctly signed body cannot be parsed
  (Slack retries a 500, and a body that cannot be parsed never will be);
- answers ``/healthz`` (the process is up) and ``/readyz`` (the archive and the index answer; 503 with a
  one-line reason otherwise) for load balancers.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import uvicorn
from slack_bolt import App, BoltResponse
from slack_bolt.adapter.asgi import SlackRequestHandler
from slack_bolt.adapter.asgi.http_request import AsgiHttpRequest
from slack_bolt.adapter.asgi.http_response import AsgiHttpResponse
from slack_bolt.request import BoltRequest

from assistant.redact import redact

if TYPE_CHECKING:
    from assistant.context import Context

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"

#: Slack's payloads are a few kilobytes; 1 MB leaves room for a large Block Kit view submission.
MAX_BODY_BYTES = 1024 * 1024
#: Slack's replay window: a request signed longer ago than this is refused.
SIGNATURE_WINDOW_SECONDS = 60 * 5
#: How long ``/readyz`` waits for the stores before answering 503.
READY_TIMEOUT_SECONDS = 5.0

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
#: Returns None when ready, or a one-line reason why not (raising counts as not ready).
Readiness = Callable[[], str | None]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ThreadedSlackHandler(SlackRequestHandler):
    """The ASGI adapter, dispatching to the sync app in a thread (verification, ack and response unchanged)."""

    async def dispatch(self, request: AsgiHttpRequest) -> BoltResponse:
        bolt_request = BoltRequest(
            body=await request.get_raw_body(), query=request.query_string, headers=request.get_headers()
        )
        return await asyncio.to_thread(self.app.dispatch, bolt_request)


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


async def _respond(send: Send, status: int, text: str, *, close: bool = False) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text.encode()})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _read_body(receive: Receive, limit: int) -> bytes:
    """The request body, refusing (``_TooLarge``) as soon as more than ``limit`` bytes have arrived."""
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunks.extend(message.get("body", b""))
        if len(chunks) > limit:
            raise _TooLarge
        if not message.get("more_body", False):
            return bytes(chunks)


def signature_is_valid(
    secret: str, body: bytes, timestamp: str, signature: str, *, now: float | None = None
) -> bool:
    """Slack's v0 request signature over the raw bytes (``SignatureVerifier`` decodes the body as UTF-8 first,
    and raises on bytes that are not), with its five-minute window on the timestamp."""
    if not timestamp.strip().isdigit() or not signature:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        return False
    base = b"v0:" + timestamp.strip().encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def make_asgi(
    app: App,
    *,
    readiness: Readiness | None = None,
    signing_secret: str | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> ASGIApp:
    """The ASGI application: ``/slack/events`` for Slack, ``/healthz`` and ``/readyz`` for load balancers.

    ``signing_secret`` defaults to the Bolt app's; ``readiness`` (see ``store_readiness``) is checked on each
    ``/readyz`` (without one, ready means the process is up)."""
    handler = ThreadedSlackHandler(app, path=EVENTS_PATH)
    secret = signing_secret if signing_secret is not None else getattr(app, "_signing_secret", None)

    async def ready(send: Send) -> None:
        if readiness is None:
            await _respond(send, 200, "ready")
            return
        try:
            reason = await asyncio.wait_for(asyncio.to_thread(readiness), READY_TIMEOUT_SECONDS)
        except TimeoutError:
            reason = f"the stores did not answer within {READY_TIMEOUT_SECONDS:g} seconds"
        except Exception as exc:  # a readiness check that raises means "not ready", never a 500
            reason = f"readiness check failed ({type(exc).__name__})"
        if reason:
            await _respond(send, 503, redact(reason.splitlines()[0]) + "\n")
        else:
            await _respond(send, 200, "ready")

    async def events(scope: Scope, receive: Receive, send: Send) -> None:
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await _respond(send, 400, "bad Content-Length", close=True)
                return
            if int(length) > max_body_bytes:
                await _respond(send, 413, f"body over {max_body_bytes} bytes", close=True)
                return
        try:
            body = await _read_body(receive, max_body_bytes)
        except _TooLarge:
            await _respond(send, 413, f"body over {max_body_bytes} bytes", close=True)
            return
        except _Disconnected:
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        if secret and not signature_is_valid(
            secret, body, headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
        ):
            await _respond(send, 401, "invalid signature")
            return
        try:
            text = body.decode("utf-8")
            bolt_request = BoltRequest(
                body=text, query=bytes(scope.get("query_string") or b"").decode("latin-1"), headers=headers
            )
        except (ValueError, TypeError, AttributeError) as exc:  # JSON, UTF-8 or form payload that cannot parse
            logger.warning("a signed Slack request could not be parsed (%s): answered 400", type(exc).__name__)
            await _respond(send, 400, "the request body cannot be parsed")
            return
        try:
            response = await asyncio.to_thread(app.dispatch, bolt_request)
        except Exception as exc:  # Bolt catches listener errors; this is a bug in the app itself
            logger.error("unexpected %s while dispatching a Slack request", type(exc).__name__)
            await _respond(send, 500, "internal error")
            return
        answer = AsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
        await send(answer.get_response_start())
        await send(answer.get_response_body())

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await handler(scope, receive, send)  # type: ignore[arg-type]  # lifespan
            return
        path, method = scope.get("path"), scope.get("method")
        if path == HEALTH_PATH and method == "GET":
            await _respond(send, 200, "ok")
        elif path == READY_PATH and method == "GET":
            await ready(send)
        elif path == EVENTS_PATH and method == "POST":
            await events(scope, receive, send)
        else:
            await _respond(send, 404, "Not Found")

    return asgi


def store_readiness(ctx: Context) -> Readiness:
    """Ready when the archive answers ``SELECT 1`` and the Chroma index answers a heartbeat and a count."""
    from assistant.store.health import archive_answers

    def check() -> str | None:
        try:
            archive_answers(ctx.archive)
        except Exception as exc:
            logger.warning("readiness: the archive did not answer (%s)", type(exc).__name__)
            return f"the archive is not reachable ({type(exc).__name__})"
        try:
            index = ctx.index
            index.client.heartbeat()
            index.count_messages()
        except Exception as exc:
            logger.warning("readiness: the index did not answer (%s)", type(exc).__name__)
            return f"the index is not reachable ({type(exc).__name__})"
        return None

    return check


def make_server(
    app: App, host: str = "127.0.0.1", port: int = 3000, *, readiness: Readiness | None = None
) -> uvicorn.Server:
    config = uvicorn.Config(
        make_asgi(app, readiness=readiness),
        host=host,
        port=port,
        log_level="warning",
        log_config=None,  # uvicorn logs through the root handlers, which redact secrets (the CLI installs them)
        lifespan="off",
        access_log=False,
    )
    return uvicorn.Server(config)


def serve_http(app: App, host: str = "127.0.0.1", port: int = 3000, *, readiness: Readiness | None = None) -> None:
    """Run until interrupted."""
    make_server(app, host, port, readiness=readiness).run()

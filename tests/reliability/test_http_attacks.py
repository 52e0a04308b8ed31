"""Attacks on the HTTP endpoint: the real Bolt app served by uvicorn on loopback, against a fake Slack Web API.

An oversized body is refused (413) before it is read, from its Content-Length or, chunked, as soon as the count
passes the cap; an unsigned request gets 401, a correctly signed one that cannot be parsed gets 400 (Slack
retries a 500); ``/healthz`` and ``/readyz`` answer load balancers, ``/readyz`` with 503 when the store is down.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from assistant.context import Context
from assistant.encoder import Encoder
from assistant.slack.app import build_app
from assistant.slack.http import EVENTS_PATH, MAX_BODY_BYTES, make_server, store_readiness
from tests.slack.conftest import make_ctx, on_loopback
from tests.slack.doubles import SIGNING_SECRET, MemoEncoder, SlackSender
from tests.slack.fake_slack import FakeSlack

PINNED = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _pinned_wall_clock() -> Iterator[None]:
    """Slack signs requests with the wall clock and the app checks them against it: both run at one pinned
    instant (Monday 00:30 UTC, still ticking), so these tests mean the same whatever day CI runs them."""
    import time_machine

    with time_machine.travel(PINNED, tick=True):
        yield


@dataclass
class Served:
    ctx: Context
    host: str
    port: int
    sender: SlackSender
    dispatched: list[bytes]

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def raw(self, request: bytes, *, then: Iterator[bytes] | None = None) -> tuple[int, bytes]:
        """Send ``request`` (and the pieces of ``then``) on one connection; the status line and the answer."""
        with socket.create_connection((self.host, self.port), timeout=10) as sock:
            sock.sendall(request)
            for piece in then or ():
                sock.sendall(piece)
            answer = b""
            while b"\r\n\r\n" not in answer or not _complete(answer):
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
        return status, answer


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Served]:
    tmp_path: Path = tmp_path_factory.mktemp("http")
    with FakeSlack() as fake_slack:
        ctx = make_ctx(tmp_path, fake_slack, MemoEncoder(encoder))
        app, runtime = build_app(ctx, backfill_interval=0.0)
        dispatched: list[bytes] = []
        real_dispatch = app.dispatch

        def dispatch(request: Any) -> Any:
            dispatched.append(request.raw_body.encode())
            return real_dispatch(request)

        app.dispatch = dispatch  # type: ignore[method-assign]
        server = make_server(app, "127.0.0.1", 0, readiness=store_readiness(ctx))
        try:
            with on_loopback(server) as port:
                yield Served(
                    ctx, "127.0.0.1", port, SlackSender(f"http://127.0.0.1:{port}{EVENTS_PATH}"), dispatched
                )
        finally:
            runtime.close()
            ctx.close()


@pytest.fixture()
def dispatched(served: Served) -> list[bytes]:
    served.dispatched.clear()
    return served.dispatched


def _rss() -> int:
    """This process's resident set size in bytes (Linux ``/proc``: no optional dependency to skip on)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def test_unsigned_5mb_post_is_refused_from_its_content_length_before_the_body_is_sent(
    served: Served, dispatched: list[bytes]
) -> None:
    size = 5 * 1024 * 1024
    served.get("/healthz")  # warm the server up before measuring
    before = _rss()
    head = (
        f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()
    # Only the headers are sent: the answer can only come if the server did not wait for the body.
    status, answer = served.raw(head)
    assert status == 413
    assert b"connection: close" in answer.lower()
    assert dispatched == []
    assert _rss() - before < size  # nothing the size of the body was allocated


def test_body_announced_small_but_chunked_past_the_cap_is_refused_while_arriving(
    served: Served, dispatched: list[bytes]
) -> None:
    piece = b"x" * 65536
    assert MAX_BODY_BYTES % len(piece) == 0

    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // len(piece)):  # exactly the cap: still fine ...
            yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        # ... one byte more is refused. Nothing more is sent: the server has read every byte before it answers
        # and closes, so the client reads the 413 (unread bytes would make the close a reset, as for an
        # attacker who keeps sending).
        yield b"1\r\nx\r\n"

    head = (
        f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    status, _ = served.raw(head, then=chunks())
    assert status == 413
    assert dispatched == []


def test_a_body_under_the_cap_still_reaches_bolt(served: Served, dispatched: list[bytes]) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c" * 1000, "token": "legacy"})
    reply = served.sender.post(body, "application/json")
    assert reply.status == 200 and "c" * 1000 in reply.body
    assert dispatched == [body.encode()]


def test_signed_body_that_is_not_json_gets_400_not_500(served: Served, dispatched: list[bytes]) -> None:
    for body, content_type in (
        ("{not json", "application/json"),
        ("payload=%7Bnot+json", "application/x-www-form-urlencoded"),
    ):
        reply = served.sender.post(body, content_type)
        assert reply.status == 400, (body, reply)
        assert "Traceback" not in reply.body
    assert dispatched == []


def test_signed_body_that_is_not_utf8_gets_400(served: Served, dispatched: list[bytes]) -> None:
    body = b'{"type": "\xff\xfe"}'
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    request = (
        f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        f"\r\nX-Slack-Request-Timestamp: {ts}\r\nX-Slack-Signature: {signature}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    status, _ = served.raw(request)
    assert status == 400
    assert dispatched == []


def test_unsigned_or_badly_signed_requests_get_401(served: Served, dispatched: list[bytes]) -> None:
    assert served.sender.post("{not json", "application/json", signature="v0=deadbeef").status == 401
    assert served.sender.post('{"type": "event_callback"}', "application/json", signature="v0=00").status == 401
    stale = int(time.time()) - 3600
    assert served.sender.post('{"type": "event_callback"}', "application/json", timestamp=stale).status == 401
    request = urllib.request.Request(
        served.url(EVENTS_PATH), data=b'{"type": "event_callback"}', method="POST", headers={}
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=10)
    assert err.value.code == 401
    assert dispatched == []


def test_health_and_readiness(served: Served) -> None:
    assert served.get("/healthz") == (200, "ok")
    assert served.get("/readyz") == (200, "ready")
    assert served.get("/nothing-here")[0] == 404


def test_readiness_is_503_with_one_line_when_the_archive_is_unreachable(
    served: Served, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    unreachable = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'archive.sqlite3'}")
    monkeypatch.setattr(served.ctx.archive, "engine", unreachable)
    status, reason = served.get("/readyz")
    assert status == 503
    assert reason.strip() == "the archive is not reachable (OperationalError)"
    assert served.get("/healthz") == (200, "ok")  # alive, just not ready
    monkeypatch.undo()
    assert served.get("/readyz") == (200, "ready")


def test_readiness_is_503_when_the_index_is_unreachable(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    def down() -> int:
        raise ConnectionError("Chroma at chroma.internal:8000 refused the connection")

    monkeypatch.setattr(served.ctx.index.client, "heartbeat", down)
    status, reason = served.get("/readyz")
    assert status == 503
    assert reason.strip() == "the index is not reachable (ConnectionError)"

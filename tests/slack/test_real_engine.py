"""One scenario with the real judgment engine (trained heads) instead of the keyword double."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

from assistant.errors import ModelError
from assistant.slack.app import build_app
from assistant.slack.http import EVENTS_PATH, make_server
from tests.slack.conftest import MODS, make_ctx, message_event
from tests.slack.doubles import MemoEncoder, SlackSender
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_events import TOXIC


@pytest.mark.model
def test_real_engine_flags_a_toxic_message(
    tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder
) -> None:
    ctx = make_ctx(tmp_path, fake_slack, memo_encoder, real_judge=True)
    try:
        app, runtime = build_app(ctx)
    except ModelError as exc:
        ctx.close()
        pytest.fail(f"the shipped judgment heads did not load: {exc}")  # fail, never skip: they ship with us
    server = make_server(app, "127.0.0.1", 0)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        sender = SlackSender(f"http://127.0.0.1:{sock.getsockname()[1]}{EVENTS_PATH}")
        reply = sender.event(message_event(TOXIC, "1700008000.000100"))
        assert reply.status == 200 and reply.seconds < 3.0
        (post,) = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == MODS)
        text = json.dumps(post.params["blocks"], ensure_ascii=False)
        assert "toxicity" in text and "Guideline §" in text
        sender.event(message_event("thanks, see you at the meetup on Saturday", "1700008001.000100"))
        deadline = time.monotonic() + 10
        while ctx.archive.judgment("CGENERAL1", "1700008001.000100") is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ctx.archive.judgment("CGENERAL1", "1700008001.000100") is not None
        assert len([c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("channel") == MODS]) == 1
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        runtime.close()
        ctx.close()

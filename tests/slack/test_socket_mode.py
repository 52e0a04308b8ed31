"""Socket Mode start-up: ``apps.connections.open`` on the fake Web API with the app token, then a WebSocket
round trip: Slack's hello, an Events API envelope, the app's ack, and the event's effect."""

from __future__ import annotations

import json
import queue
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.server import ServerConnection, serve

from assistant.errors import ConfigError
from assistant.slack.app import build_app
from assistant.slack.socket import connect, make_handler
from tests.slack.conftest import ANA, GENERAL, make_ctx
from tests.slack.doubles import MemoEncoder
from tests.slack.fake_slack import APP_TOKEN, FakeSlack


def envelope(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "envelope_id": "env-1",
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "payload": {
            "type": "event_callback",
            "event_id": "EvSOCKET1",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        },
    }


def test_socket_mode_connects_and_handles_an_event(
    tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder
) -> None:
    acks: queue.Queue[dict[str, Any]] = queue.Queue()
    event = {
        "type": "message",
        "channel": GENERAL,
        "user": ANA,
        "text": "hello over the socket",
        "ts": "1700006000.000100",
        "channel_type": "channel",
    }

    def session(ws: ServerConnection) -> None:
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}}))
        ws.send(json.dumps(envelope(event)))
        for raw in ws:
            acks.put(json.loads(raw))

    server = serve(session, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake_slack.socket_url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/link?ticket=1"
    ctx = make_ctx(tmp_path, fake_slack, memo_encoder)
    app, runtime = build_app(ctx)
    handler = make_handler(app, APP_TOKEN)
    try:
        connect(handler)
        (opened,) = fake_slack.wait_for("apps.connections.open")
        assert opened.token == APP_TOKEN
        ack = acks.get(timeout=10)
        assert ack["envelope_id"] == "env-1"
        deadline = time.monotonic() + 10
        while ctx.archive.find_message(GENERAL, "1700006000.000100") is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ctx.archive.find_message(GENERAL, "1700006000.000100") is not None
    finally:
        handler.close()
        server.shutdown()
        runtime.close()
        ctx.close()


def test_socket_mode_needs_an_app_token(tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder) -> None:
    ctx = make_ctx(tmp_path, fake_slack, memo_encoder)
    app, runtime = build_app(ctx)
    try:
        with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
            make_handler(app, None)
        with pytest.raises(ConfigError, match="xapp-"):
            make_handler(app, "xoxb-wrong-kind")
        with pytest.raises(ConfigError, match="Socket Mode could not start"):
            connect(make_handler(app, "xapp-rejected"))
    finally:
        runtime.close()
        ctx.close()

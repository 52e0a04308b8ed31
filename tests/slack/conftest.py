"""Scenario fixtures: a fake Slack Web API, and the real Bolt app served over HTTP on loopback.

The app's clock (``Context.clock``) is frozen at ``DEFAULT_NOW`` (a Wednesday midday, UTC), so no scenario means
something else on another day; a test that needs another instant parametrizes ``pinned`` with an ``Instant``
(the process's local time zone is then set to the instant's too). ``RunningApp.seed(..., ago_hours=...)`` is relative to that clock. Slack's request signatures stay on
the real wall clock: Bolt checks their timestamps against ``time.time()``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn

from assistant.clock import Clock, frozen_clock
from assistant.config import load_settings
from assistant.context import Context
from assistant.domain import Message
from assistant.encoder import Encoder
from assistant.slack.app import build_app
from assistant.slack.http import EVENTS_PATH, make_server
from assistant.slack.runtime import SlackRuntime
from tests.instants import INSTANTS, Instant, local_timezone
from tests.slack.doubles import SIGNING_SECRET, KeywordJudge, MemoEncoder, SlackSender
from tests.slack.fake_slack import BOT_TOKEN, BOT_USER, FakeSlack

GENERAL = "CGENERAL1"
MODS = "CMODS0001"
SECRET = "GSECRET01"
#: "Now" of every scenario unless a test pins another instant.
DEFAULT_NOW = next(i for i in INSTANTS if i.name == "wednesday-midday")
ANA, BEN, MOD = "UANA00001", "UBEN00001", "UMOD00001"


@pytest.fixture(scope="session")
def memo_encoder(encoder: Encoder) -> MemoEncoder:
    return MemoEncoder(encoder)


@pytest.fixture()
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        for uid, name in ((ANA, "ana"), (BEN, "ben"), (MOD, "mo"), (BOT_USER, "assistant")):
            slack.add_user(uid, name)
        slack.add_channel(GENERAL, "general", members=[ANA, BEN, MOD, BOT_USER])
        slack.add_channel(MODS, "moderators", members=[MOD, BOT_USER])
        slack.add_channel(SECRET, "secret-plans", private=True, members=[ANA, BOT_USER])
        yield slack


def make_ctx(
    tmp_path: Path,
    fake_slack: FakeSlack,
    encoder: Encoder | MemoEncoder,
    *,
    real_judge: bool = False,
    clock: Clock | None = None,
    **overrides: object,
) -> Context:
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": fake_slack.base_url,
        "moderators_channel": "moderators",
    }
    settings = load_settings(**(values | overrides))
    judge = None if real_judge else KeywordJudge()
    return Context(settings, clock=clock or frozen_clock(DEFAULT_NOW.at), encoder=encoder, judge=judge)


@dataclass
class RunningApp:
    ctx: Context
    runtime: SlackRuntime
    slack: FakeSlack
    sender: SlackSender
    seeded: set[tuple[str, str]] = field(default_factory=set)

    def seed(self, channel: str, user: str, text: str, *, ago_hours: float, thread_ts: str | None = None) -> str:
        """Put a message in the archive and index as if it had arrived live ``ago_hours`` before the app's clock;
        returns its ts."""
        ts = f"{(self.ctx.clock() - timedelta(hours=ago_hours)).timestamp():.6f}"
        # With a frozen clock the same ago_hours gives the same ts, and the second message would replace the first.
        assert (channel, ts) not in self.seeded, f"another message was seeded in {channel} at {ts}"
        self.seeded.add((channel, ts))
        self.runtime.directory.channel(channel)
        self.runtime.directory.ensure_member(user)
        with self.runtime.work_lock:
            self.ctx.pipeline.receive(
                Message(channel_id=channel, ts=ts, user_id=user, text=text, raw_text=text, thread_ts=thread_ts)
            )
        return ts

    def finished(self, *event_ids: str, timeout: float = 15.0) -> None:
        """Wait until the app recorded each event as done in its inbox: all its work (store, judge, index,
        moderate, alert) is over, so a test can then assert what did or did not happen."""
        inbox = self.runtime.inbox
        assert inbox is not None
        deadline = time.monotonic() + timeout
        for event_id in event_ids:
            while not (inbox.state(event_id) or {}).get("done"):
                assert time.monotonic() < deadline, f"event {event_id} did not finish"
                time.sleep(0.02)


@pytest.fixture()
def pinned() -> Instant:
    """The instant the app's clock is frozen at (parametrize it to choose another)."""
    return DEFAULT_NOW


@pytest.fixture()
def running_app(
    tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder, pinned: Instant
) -> Iterator[RunningApp]:
    with local_timezone(pinned.tz):
        ctx = make_ctx(tmp_path, fake_slack, memo_encoder, clock=frozen_clock(pinned.at))
        yield from _running_app(ctx, fake_slack)


@contextmanager
def on_loopback(server: uvicorn.Server) -> Iterator[int]:
    """Run the app's HTTP server on a free loopback port in a thread; yields the port, stops it afterwards."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the app's HTTP server did not start"
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def _running_app(ctx: Context, fake_slack: FakeSlack) -> Iterator[RunningApp]:
    app, runtime = build_app(ctx, backfill_interval=0.0)
    try:
        with on_loopback(make_server(app, "127.0.0.1", 0)) as port:
            yield RunningApp(ctx, runtime, fake_slack, SlackSender(f"http://127.0.0.1:{port}{EVENTS_PATH}"))
    finally:
        runtime.close()
        ctx.close()


def message_event(
    text: str, ts: str, user: str = ANA, channel: str = GENERAL, **extra: object
) -> dict[str, object]:
    return {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "channel_type": "channel",
        "event_ts": ts,
        **extra,
    }

"""Backfill pages through history and threads, waits out a 429, and resumes after a crash."""

from __future__ import annotations

import time
from typing import Any

import pytest

from assistant.errors import SlackApiError
from tests.slack.conftest import ANA, BEN, GENERAL, RunningApp
from tests.slack.fake_slack import BOT_USER, Failure, FakeSlack

PARENT = "1699990003.000100"


def fill_history(slack: FakeSlack, n: int = 7) -> None:
    history: list[dict[str, Any]] = []
    for i in range(n):
        ts = f"169999{i:04d}.000100"
        item = {"type": "message", "user": (ANA, BEN)[i % 2], "text": f"history message number {i}", "ts": ts}
        if ts == PARENT:
            item.update(thread_ts=ts, reply_count=2, reply_users=[BEN, ANA])
        history.append(item)
    history.append(
        {
            "type": "message",
            "subtype": "channel_join",
            "user": BEN,
            "text": "<@UBEN00001> has joined",
            "ts": "1699990010.000100",
        }
    )
    slack.state.history[GENERAL] = history
    slack.state.replies[(GENERAL, PARENT)] = [
        next(m for m in history if m["ts"] == PARENT),
        {
            "type": "message",
            "user": BEN,
            "text": "a reply in the thread",
            "ts": "1699990020.000100",
            "thread_ts": PARENT,
        },
        {"type": "message", "user": ANA, "text": "another reply", "ts": "1699990021.000100", "thread_ts": PARENT},
    ]


def test_backfill_pages_through_history_and_survives_a_429(running_app: RunningApp) -> None:
    app = running_app
    fill_history(app.slack)
    app.runtime.backfiller.page_size = 3
    app.slack.fail("conversations.history", Failure(status=429, error="ratelimited", retry_after=1))
    started = time.perf_counter()
    report = app.runtime.backfiller.channel(GENERAL)
    assert time.perf_counter() - started >= 1.0, "Retry-After was honoured"
    history_calls = app.slack.calls_to("conversations.history")
    assert len(history_calls) == 4, "three pages plus the rate-limited attempt"
    assert [c.params.get("cursor") for c in history_calls[1:]] == [None, "3", "6"]
    assert report.pages == 4 and report.threads == 1
    stored = app.ctx.archive.messages(GENERAL)
    assert len(stored) == 10
    assert app.ctx.archive.thread(GENERAL, PARENT).messages[-1].text == "another reply"
    assert app.ctx.index.count_messages() == 9, "talk is indexed, the join notice is not"
    assert any(uid == BEN and at is not None for _, uid, at in app.ctx.archive.memberships(GENERAL))
    # A second run only asks for what is newer.
    again = app.runtime.backfiller.channel(GENERAL)
    assert again.messages == 0
    assert app.slack.calls_to("conversations.history")[-1].params.get("oldest") == "1699990010.000100"


def test_backfill_resumes_from_the_saved_cursor_after_a_crash(running_app: RunningApp) -> None:
    app = running_app
    fill_history(app.slack)
    app.runtime.backfiller.page_size = 3
    app.slack.fail("conversations.history", Failure(status=200, error="internal_error", retry_after=None))
    app.slack.calls.clear()

    original = app.slack.handle
    pages = {"n": 0}

    def crash_on_second_page(method: str, params: dict[str, Any], token: str | None) -> Any:
        if method == "conversations.history":
            pages["n"] += 1
            if pages["n"] == 3:
                return 200, {"ok": False, "error": "fatal_error"}, {}
        return original(method, params, token)

    app.slack.handle = crash_on_second_page  # type: ignore[method-assign]
    with pytest.raises(SlackApiError):
        app.runtime.backfiller.channel(GENERAL)  # first attempt: internal_error
    with pytest.raises(SlackApiError):
        app.runtime.backfiller.channel(GENERAL)  # page 1 stored, then a crash on page 2
    saved = app.ctx.archive.get_state("slack-backfill:" + GENERAL)
    assert saved is not None and saved["cursor"] == "3"
    report = app.runtime.backfiller.channel(GENERAL)
    assert report.resumed
    assert app.slack.calls_to("conversations.history")[-2].params.get("cursor") == "3"
    assert len(app.ctx.archive.messages(GENERAL)) == 10


def test_invited_app_backfills_the_channel(running_app: RunningApp) -> None:
    app = running_app
    fill_history(app.slack)
    app.sender.event(
        {"type": "member_joined_channel", "user": BOT_USER, "channel": GENERAL, "event_ts": "1700005000.000100"}
    )
    deadline = time.monotonic() + 15
    while len(app.ctx.archive.messages(GENERAL)) < 10 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(app.ctx.archive.messages(GENERAL)) == 10


def test_catch_up_indexes_what_the_archive_holds_but_the_index_lost(running_app: RunningApp) -> None:
    """After an encoder upgrade empties the index, the app re-indexes stored history without Slack calls."""
    app = running_app
    fill_history(app.slack)
    app.runtime.backfiller.channel(GENERAL)
    indexed = app.ctx.index.count_messages()
    assert indexed > 0
    app.ctx.index.delete_messages([m.key for m in app.ctx.archive.messages(GENERAL)])
    assert app.ctx.index.count_messages() == 0
    assert app.ctx.archive.mark_all_unindexed() == 10
    calls = len(app.slack.calls)
    assert app.runtime.catch_up() == 10
    assert app.ctx.index.count_messages() == indexed and not app.ctx.archive.unindexed()
    assert len(app.slack.calls) == calls, "no alert or Slack call for old messages"
    assert app.runtime.catch_up() == 0

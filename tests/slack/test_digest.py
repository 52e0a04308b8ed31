"""The weekly digest DM: sent once per ISO week to each manager, scoped to the channels that manager can see."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from assistant.clock import frozen_clock
from assistant.config import load_settings
from assistant.errors import ConfigError
from assistant.slack.app import build_app
from assistant.slack.digests import DigestTimer
from tests.slack.conftest import ANA, BEN, GENERAL, SECRET, RunningApp, make_ctx
from tests.slack.doubles import MemoEncoder, SlackSender
from tests.slack.fake_slack import FakeSlack

#: The app's clock in these tests: a Wednesday. Messages are seeded just before it.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def next_monday_morning(now: datetime = NOW) -> datetime:
    """The Monday 08:10 UTC after ``now``: its digest covers the whole ISO week of ``now``, with the seeded
    messages."""
    today = now.replace(hour=8, minute=10, second=0, microsecond=0)
    return today + timedelta(days=7 - today.weekday())


def open_dm(params: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "channel": {"id": "D" + str(params["users"])}}


def app_with(tmp_path: Path, slack: FakeSlack, encoder: MemoEncoder, **overrides: object) -> RunningApp:
    ctx = make_ctx(tmp_path, slack, encoder, clock=frozen_clock(NOW), **overrides)
    _app, runtime = build_app(ctx, backfill_interval=0.0)
    return RunningApp(ctx, runtime, slack, SlackSender("http://127.0.0.1:9/unused"))


@pytest.fixture()
def managed(
    tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningApp]:
    monkeypatch.setattr(fake_slack, "api_conversations_open", open_dm, raising=False)
    app = app_with(tmp_path, fake_slack, memo_encoder, managers=f"{ANA}, {BEN}")
    app.seed(GENERAL, ANA, "Please add a calendar of upcoming events.", ago_hours=0.02)
    app.seed(GENERAL, BEN, "Thanks for organising, that was great fun!", ago_hours=0.01)
    app.seed(SECRET, ANA, "Budget numbers for the offsite.", ago_hours=0.01)
    # Ben once posted in the private channel but Slack says he is no longer in it.
    app.seed(SECRET, BEN, "Old note from when I was in here.", ago_hours=0.015)
    try:
        yield app
    finally:
        app.runtime.close()
        app.ctx.close()


def digests_sent(slack: FakeSlack) -> dict[str, str]:
    """DM channel -> the blocks posted there, as JSON text."""
    return {
        str(c.params["channel"]): json.dumps(c.params["blocks"], ensure_ascii=False)
        for c in slack.calls_to("chat.postMessage")
    }


def test_monday_morning_sends_one_dm_per_manager_and_only_once_a_week(managed: RunningApp) -> None:
    timer = DigestTimer(managed.runtime)
    monday = next_monday_morning()
    assert timer.run_once(monday) == 2
    opened = sorted(str(c.params["users"]) for c in managed.slack.calls_to("conversations.open"))
    assert opened == sorted([ANA, BEN])
    posts = managed.slack.calls_to("chat.postMessage")
    assert len(posts) == 2
    sent = digests_sent(managed.slack)
    assert set(sent) == {"D" + ANA, "D" + BEN}
    for call in posts:
        assert call.params["blocks"][0]["type"] == "header"
        # Sent on Monday morning, it covers the whole ISO week before, named as such.
        assert (
            call.params["blocks"][0]["text"]["text"] == "Weekly digest (last week), Mon 23 Nov – Sun 29 Nov 2026"
        )
        assert "Weekly digest" in call.params["text"]
    assert "#general" in sent["D" + ANA] and "#secret-plans" in sent["D" + ANA]

    # Later the same week (and after a restart: the week is kept in the archive) nothing is sent again.
    assert timer.run_once(monday + timedelta(minutes=30)) == 0
    assert DigestTimer(managed.runtime).run_once(monday + timedelta(hours=3)) == 0
    assert len(managed.slack.calls_to("chat.postMessage")) == 2
    # Not due on another day; due again the next Monday.
    assert timer.run_once(monday + timedelta(days=1)) == 0
    assert timer.run_once(monday + timedelta(days=7)) == 2
    assert timer.run_once() == 0  # without an instant it asks the app's clock: a Wednesday, not due


def test_private_channel_the_manager_is_not_in_stays_out_of_their_digest(managed: RunningApp) -> None:
    DigestTimer(managed.runtime).run_once(next_monday_morning())
    ben = digests_sent(managed.slack)["D" + BEN]
    assert "#general" in ben
    assert "secret-plans" not in ben and "Budget" not in ben and "Old note" not in ben
    (post,) = [c for c in managed.slack.calls_to("chat.postMessage") if c.params["channel"] == "D" + BEN]
    assert "secret-plans" not in post.params["text"]


def test_slack_refusal_is_logged_and_retried_later(managed: RunningApp, caplog: pytest.LogCaptureFixture) -> None:
    from tests.slack.fake_slack import Failure

    managed.slack.fail("chat.postMessage", Failure(status=200, error="channel_not_found", retry_after=None))
    timer = DigestTimer(managed.runtime)
    monday = next_monday_morning()
    assert timer.run_once(monday) == 1
    assert "weekly digest for" in caplog.text and "Slack could not find that channel" in caplog.text
    assert timer.run_once(monday + timedelta(minutes=10)) == 1  # the one that failed goes out on the next tick
    assert timer.run_once(monday + timedelta(minutes=20)) == 0


def test_two_replicas_ticking_together_send_each_digest_once(
    managed: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replica B ticks while replica A is still sending (before A has recorded the week): B must not send too."""
    monday = next_monday_morning()
    a, b = DigestTimer(managed.runtime), DigestTimer(managed.runtime)
    during: list[int] = []
    send = DigestTimer.send

    def send_while_the_other_ticks(manager: str, digest: Any) -> None:
        if not during:
            during.append(b.run_once(monday))
        send(a, manager, digest)

    monkeypatch.setattr(a, "send", send_while_the_other_ticks)
    sent_by_a = a.run_once(monday)
    # B skipped the digest A was sending and sent the other manager's; A then skipped that one.
    assert during == [1] and sent_by_a == 1
    assert sorted(str(c.params["channel"]) for c in managed.slack.calls_to("chat.postMessage")) == sorted(
        ["D" + ANA, "D" + BEN]
    )
    assert a.run_once(monday + timedelta(minutes=10)) == 0 and b.run_once(monday + timedelta(minutes=10)) == 0


def test_a_replica_that_died_mid_send_does_not_cost_the_week_its_digest(managed: RunningApp) -> None:
    from assistant.slack.digests import CLAIM_LEASE, DIGEST_CLAIM, iso_week

    monday = next_monday_morning()
    # A replica claimed Ana's digest and died before sending it (nothing recorded as sent).
    claim = f"{DIGEST_CLAIM}{ANA}:{iso_week(monday)}"
    assert managed.ctx.archive.claim_once(claim)
    managed.ctx.archive.set_state(claim, {"claimed_at": monday.isoformat()})
    timer = DigestTimer(managed.runtime)
    assert timer.run_once(monday + timedelta(minutes=10)) == 1  # Ben's; Ana's claim is still held
    assert timer.run_once(monday + CLAIM_LEASE + timedelta(minutes=1)) == 1  # the lease ran out: Ana's goes out
    assert sorted(str(c.params["channel"]) for c in managed.slack.calls_to("chat.postMessage")) == sorted(
        ["D" + ANA, "D" + BEN]
    )


def test_no_managers_means_no_digests(
    tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake_slack, "api_conversations_open", open_dm, raising=False)
    app = app_with(tmp_path, fake_slack, memo_encoder)
    try:
        app.seed(GENERAL, ANA, "Hello everyone.", ago_hours=0.01)
        assert DigestTimer(app.runtime).run_once(next_monday_morning()) == 0
        assert not fake_slack.calls_to("conversations.open")
        assert not fake_slack.calls_to("chat.postMessage")
    finally:
        app.runtime.close()
        app.ctx.close()


@pytest.mark.parametrize(
    ("overrides", "name"),
    [
        ({"managers": "UANA00001,not-a-user"}, "ASSISTANT_MANAGERS"),
        ({"digest_weekday": 7}, "ASSISTANT_DIGEST_WEEKDAY"),
        ({"digest_hour_utc": 24}, "ASSISTANT_DIGEST_HOUR_UTC"),
    ],
)
def test_bad_digest_settings_are_one_line_errors(overrides: dict[str, object], name: str) -> None:
    with pytest.raises(ConfigError, match=f"Setting {name} is invalid"):
        load_settings(**overrides)


def test_managers_are_parsed_from_commas() -> None:
    settings = load_settings(managers=" UANA00001, UBEN00001 ,")
    assert settings.managers == [ANA, BEN]
    assert (settings.digest_weekday, settings.digest_hour_utc) == (0, 8)

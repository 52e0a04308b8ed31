"""The manifest matches what the app registers; retention while serving really deletes; removal with the
admin token goes through ``chat.delete`` on that token."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from assistant.clock import frozen_clock
from assistant.domain import Message
from assistant.slack.app import build_app
from assistant.slack.blocks.alerts import ACTION_PREFIX
from assistant.slack.blocks.answers import suggested_prompts
from assistant.slack.listeners.shortcuts import SUMMARIZE_THREAD
from assistant.slack.listeners.shortcuts.claims import MARK_FALSE_CLAIM
from assistant.slack.maintenance import RetentionTimer
from tests.conftest import REPO
from tests.slack.conftest import ANA, GENERAL, MOD, make_ctx
from tests.slack.doubles import MemoEncoder, wait_for_state
from tests.slack.fake_slack import ADMIN_TOKEN, FakeSlack


def test_manifest_declares_what_the_app_listens_to() -> None:
    manifest = yaml.safe_load((REPO / "slack_manifest.yaml").read_text())
    features = manifest["features"]
    assert {c["command"] for c in features["slash_commands"]} == {"/summarize", "/ask", "/community", "/survey"}
    assert all(c["should_escape"] for c in features["slash_commands"])
    assert [s["callback_id"] for s in features["shortcuts"]] == [SUMMARIZE_THREAD, MARK_FALSE_CLAIM]
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == {
        "message.channels",
        "message.groups",
        "app_mention",
        "reaction_added",
        "reaction_removed",
        "member_joined_channel",
        "member_left_channel",
        "app_home_opened",
        "assistant_thread_started",
        "assistant_thread_context_changed",
        "message.im",
    }
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"channels:history", "groups:history", "chat:write", "commands", "users:read"} <= scopes
    assert {"assistant:write", "im:history"} <= scopes, "the assistant thread's status, prompts and questions"
    view = features["assistant_view"]
    assert view["assistant_description"]
    assert view["suggested_prompts"] == suggested_prompts(), "the same prompts as a thread opens with"
    assert features["app_home"]["messages_tab_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_retention_timer_deletes_from_archive_and_index(
    tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder
) -> None:
    now = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)
    ctx = make_ctx(tmp_path, fake_slack, memo_encoder, retention_days=30, clock=frozen_clock(now))
    old = f"{(now - timedelta(days=40)).timestamp():.6f}"
    new = f"{(now - timedelta(days=29, hours=23)).timestamp():.6f}"  # just inside the 30 days up to the clock
    for ts in (old, new):
        ctx.pipeline.receive(Message(channel_id=GENERAL, ts=ts, user_id=ANA, text=f"note from {ts}"))
    assert ctx.index.count_messages() == 2
    assert RetentionTimer(ctx, threading.Lock()).run_once() == 1
    assert ctx.archive.find_message(GENERAL, old) is None
    assert ctx.archive.find_message(GENERAL, new) is not None
    assert ctx.index.count_messages() == 1
    ctx.close()


def test_remove_button_deletes_with_the_admin_token(
    tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder
) -> None:
    from assistant.slack.listeners.actions.moderation import press

    ctx = make_ctx(tmp_path, fake_slack, memo_encoder, slack_admin_token=ADMIN_TOKEN)
    _app, runtime = build_app(ctx)
    try:
        ts = "1700007000.000100"
        from assistant.slack.listeners.events.messages import handle_message

        handle_message(
            runtime,
            {
                "type": "message",
                "channel": GENERAL,
                "user": ANA,
                "ts": ts,
                "text": "shut up, you moron",
                "channel_type": "channel",
            },
        )
        (post,) = fake_slack.wait_for("chat.postMessage")
        buttons = {
            e["action_id"]: e for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]
        }
        remove = buttons[ACTION_PREFIX + "remove"]
        assert remove["confirm"], "removal asks for confirmation"
        alert_ts = wait_for_state(ctx.archive, "slack-alert:1")["ts"]
        body = {"user": {"id": MOD}, "container": {"channel_id": post.params["channel"], "message_ts": alert_ts}}
        press(runtime, body, {"action_id": remove["action_id"], "value": remove["value"]})
        (deleted,) = fake_slack.wait_for("chat.delete")
        assert deleted.token == ADMIN_TOKEN and deleted.params == {"channel": GENERAL, "ts": ts}
        (update,) = fake_slack.wait_for("chat.update")
        assert "removed the message" in json.dumps(update.params["blocks"])
    finally:
        runtime.close()
        ctx.close()

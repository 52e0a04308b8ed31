"""Milestones in Slack: managers see them on the Home tab (members do not), each with a celebration message posted
only when a manager presses its button; the digest lists them the same way."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from assistant.insights.models import Digest, Milestone, WindowInfo
from assistant.slack.blocks.digest import digest_blocks
from assistant.slack.blocks.milestones import POST_MILESTONE
from tests.slack.conftest import ANA, BEN, GENERAL, MOD, RunningApp


def open_home(app: RunningApp, user: str) -> list[dict[str, Any]]:
    before = len(app.slack.calls_to("views.publish"))
    app.sender.event(
        {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1700004000.000100"}
    )
    publish = app.slack.wait_for("views.publish", count=before + 1)[-1]
    assert publish.params["user_id"] == user
    return list(publish.params["view"]["blocks"])


def _buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in blocks if (b.get("accessory") or {}).get("action_id") == POST_MILESTONE]


def press(app: RunningApp, user: str, button: dict[str, Any]) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "1",
        "user": {"id": user},
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "home"},
        "actions": [{"action_id": POST_MILESTONE, "block_id": "b1", "type": "button", "value": button["value"]}],
    }
    reply = app.sender.interaction(payload)
    assert reply.status == 200 and reply.seconds < 3.0


def test_managers_post_a_milestone_with_one_click_never_automatically(running_app: RunningApp) -> None:
    app = running_app
    ts = app.seed(GENERAL, BEN, "Hi all, first time posting here, I make lamps.", ago_hours=5)
    assert _buttons(open_home(app, ANA)) == []  # a member sees channel health, not the managers' milestones
    blocks = open_home(app, MOD)
    text = json.dumps(blocks, ensure_ascii=False)
    assert "Milestones to celebrate" in text and "ben posted for the first time, in #general" in text
    (button,) = [b for b in _buttons(blocks) if json.loads(b["value"])["t"] == ts]
    assert button["text"]["text"] == "Post in #general thread"
    assert not [c for c in app.slack.calls_to("chat.postMessage") if c.params.get("channel") == GENERAL]

    press(app, ANA, button)  # not a manager or moderator
    (refusal,) = app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == ANA)
    assert "Only community managers" in refusal.params["text"]
    press(app, MOD, button)
    (posted,) = app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == GENERAL)
    assert posted.params["thread_ts"] == ts and f"Welcome, <@{BEN}>!" in posted.params["text"]
    (told,) = app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == MOD)
    assert told.params["text"] == f"Posted in <#{GENERAL}> (in the thread)."
    audit = [(e.action, e.actor) for e in app.ctx.archive.audit(action="milestone.post")]
    assert audit == [("milestone.post", MOD)]

    press(app, MOD, button)  # the same button again (it stays on the Home tab and in old digests)
    (_, again) = app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == MOD, count=2)
    assert "already posted" in again.params["text"]
    assert len([c for c in app.slack.calls_to("chat.postMessage") if c.params.get("channel") == GENERAL]) == 1


def test_digest_lists_milestones_with_post_buttons() -> None:
    at = datetime(2026, 11, 18, 12, tzinfo=UTC)
    milestone = Milestone(
        id="channel_messages:C1:100",
        kind="channel_messages",
        at=at,
        title="#design reached 100 messages",
        suggestion="#design just passed *100 messages* :tada:",
        channel_id="C1",
        channel_name="design",
        count=100,
        post_channel="C1",
    )
    window = WindowInfo(kind="to_date", label="this week", short="this week", comparison="the week before")
    digest = Digest(start=at, end=at, window=window, milestones=[milestone])
    blocks = [b.to_dict() for b in digest_blocks(digest)]
    (button,) = _buttons(blocks)
    assert json.loads(button["value"]) == {"c": "C1", "t": None, "id": milestone.id, "m": milestone.suggestion}
    assert "Milestones to celebrate" in json.dumps(blocks)

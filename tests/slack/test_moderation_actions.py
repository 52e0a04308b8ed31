"""Alert buttons and ``/community``: moderators act and the alert updates in place; others are refused."""

from __future__ import annotations

import json
from typing import Any

from tests.slack.conftest import ANA, BEN, GENERAL, MOD, MODS, RunningApp, message_event
from tests.slack.doubles import wait_for_state
from tests.slack.test_events import TOXIC


def post_toxic(app: RunningApp) -> dict[str, Any]:
    app.sender.event(message_event(TOXIC, "1700003000.000100", user=ANA))
    (post,) = app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == MODS)
    posted = wait_for_state(app.ctx.archive, "slack-alert:1")
    assert posted["channel"] == MODS
    actions = next(b for b in post.params["blocks"] if b["type"] == "actions")
    return {"ts": posted["ts"], "buttons": {e["action_id"]: e for e in actions["elements"]}}


def press(app: RunningApp, user: str, alert: dict[str, Any], action_id: str) -> None:
    button = alert["buttons"][action_id]
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "1",
        "response_url": "http://127.0.0.1:9/response",
        "container": {"type": "message", "channel_id": MODS, "message_ts": alert["ts"]},
        "channel": {"id": MODS},
        "message": {"ts": alert["ts"], "type": "message"},
        "actions": [
            {
                "action_id": action_id,
                "block_id": "alert_1",
                "type": "button",
                "value": button["value"],
                "action_ts": "1",
            }
        ],
    }
    reply = app.sender.interaction(payload)
    assert reply.status == 200 and reply.seconds < 3.0


def test_moderator_warns_and_the_alert_updates_in_place(running_app: RunningApp) -> None:
    app = running_app
    alert = post_toxic(app)
    assert "moderation_remove" not in alert["buttons"], "no removal without SLACK_ADMIN_TOKEN"
    press(app, MOD, alert, "moderation_warn")
    (update,) = app.slack.wait_for("chat.update")
    assert update.params["channel"] == MODS and update.params["ts"] == alert["ts"]
    blocks = json.dumps(update.params["blocks"], ensure_ascii=False)
    assert f"<@{MOD}> warned the author" in blocks
    assert '"actions"' not in blocks, "a decided alert has no buttons left"
    (dm,) = app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == ANA)
    assert "§" in dm.params["text"] or "guideline" in dm.params["text"].lower()
    actions = app.ctx.archive.audit(action="moderation_action")
    assert [(e.actor, e.details.get("kind")) for e in actions] == [(MOD, "warn")]


def test_non_moderator_press_is_refused_and_changes_nothing(running_app: RunningApp) -> None:
    app = running_app
    alert = post_toxic(app)
    press(app, BEN, alert, "moderation_dismiss")
    (eph,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == BEN)
    assert "only moderators" in eph.params["text"].lower()
    assert not app.slack.calls_to("chat.update")
    assert [e.actor for e in app.ctx.archive.audit(action="moderation_refused")] == [BEN]
    assert not app.ctx.archive.audit(action="moderation_action")


def test_community_policy_shadow_and_replay(running_app: RunningApp) -> None:
    app = running_app
    app.sender.command("/community", "policy #general toxicity=0.85", MOD, MODS)
    (changed,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == MOD)
    assert "0.85" in json.dumps(changed.params["blocks"])
    assert app.ctx.moderation.policy(GENERAL).threshold("toxicity") == 0.85
    app.sender.command("/community", f"shadow <#{GENERAL}|general> on", MOD, MODS)
    app.slack.wait_for("chat.postEphemeral", 2, where=lambda c: c.params.get("user") == MOD)
    assert app.ctx.moderation.policy(GENERAL).shadow
    app.sender.command("/community", "replay #general 30 toxicity=0.5", MOD, MODS)
    replay = app.slack.wait_for("chat.postEphemeral", 3, where=lambda c: c.params.get("user") == MOD)[-1]
    assert "Replay of" in json.dumps(replay.params["blocks"])
    app.sender.command("/community", "policy #general toxicity=0.1", BEN, GENERAL)
    (refused,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == BEN)
    assert "Only moderators" in refused.params["text"]
    assert app.ctx.moderation.policy(GENERAL).threshold("toxicity") == 0.85


def test_shadow_mode_flags_without_alerting(running_app: RunningApp) -> None:
    app = running_app
    app.ctx.moderation.set_policy(GENERAL, "cli:test", shadow=True)
    app.sender.event(message_event(TOXIC, "1700003100.000100", user=ANA), event_id="EvSHADOW1")
    app.finished("EvSHADOW1")
    assert app.ctx.archive.judgment(GENERAL, "1700003100.000100") is not None
    assert [f.shadow for f in app.ctx.moderation.flags(GENERAL)] == [True]
    assert not [c for c in app.slack.calls_to("chat.postMessage") if c.params.get("channel") == MODS]

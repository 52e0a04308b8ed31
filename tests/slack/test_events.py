"""Scenarios over HTTP: the real Bolt app on loopback, a fake Slack Web API, properly signed requests."""

from __future__ import annotations

import json
import time

from tests.slack.conftest import BEN, GENERAL, MOD, MODS, RunningApp, message_event
from tests.slack.fake_slack import BOT_ID, BOT_USER, Call

TOXIC = "you are an idiot and nobody wants you here"


def alert_posts(app: RunningApp) -> list[Call]:
    return [c for c in app.slack.calls_to("chat.postMessage") if c.params.get("channel") == MODS]


def test_url_verification_answers_the_challenge(running_app: RunningApp) -> None:
    reply = running_app.sender.post(
        json.dumps({"type": "url_verification", "challenge": "c-123"}), "application/json"
    )
    assert reply.status == 200
    assert "c-123" in reply.body


def test_toxic_message_produces_one_alert_with_buttons(running_app: RunningApp) -> None:
    app = running_app
    reply = app.sender.event(message_event(TOXIC, "1700000100.000100"), event_id="EvTOXIC1")
    assert reply.status == 200
    assert reply.seconds < 3.0, "Slack needs the ack within 3 seconds"
    (post,) = app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == MODS)
    blocks = post.params["blocks"]
    actions = [b for b in blocks if b["type"] == "actions"]
    assert actions, "the alert has action buttons"
    ids = {e["action_id"] for e in actions[0]["elements"]}
    assert {"moderation_dismiss", "moderation_warn", "moderation_escalate", "moderation_false_positive"} <= ids
    text = json.dumps(blocks, ensure_ascii=False)
    assert "*idiot*" in text, "the span that drove the score is highlighted"
    assert "Guideline §" in text, "the cited clause is shown"
    assert "toxicity" in text and "0.96" in text
    assert "archives/CGENERAL1/p1700000100000100" in text, "the alert links to the message"
    # stored, judged and indexed
    assert app.ctx.archive.judgment(GENERAL, "1700000100.000100") is not None
    app.finished("EvTOXIC1")
    assert len(alert_posts(app)) == 1


def test_retried_event_is_not_judged_or_alerted_twice(running_app: RunningApp) -> None:
    app = running_app
    event = message_event("what a stupid idea, moron", "1700000200.000100")
    app.sender.event(event, event_id="EvRETRY1")
    app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == MODS)
    app.finished("EvRETRY1")
    again = app.sender.event(event, event_id="EvRETRY1", retry=1)
    assert again.status == 200  # acked and dropped before any work: the event finished
    assert len(alert_posts(app)) == 1
    created = [e for e in app.ctx.archive.audit(action="flag_created")]
    assert len(created) == 1


def test_bad_signature_gets_401_and_no_side_effects(running_app: RunningApp) -> None:
    app = running_app
    before = len(app.slack.calls)
    forged = app.sender.event(message_event(TOXIC, "1700000300.000100"), signature="v0=" + "0" * 64)
    stale = app.sender.event(message_event(TOXIC, "1700000301.000100"), timestamp=int(time.time()) - 3600)
    assert forged.status == 401
    assert stale.status == 401  # refused before the inbox: no work was started that could still be running
    assert app.runtime.inbox is not None and app.runtime.inbox.pending() == 0
    assert len(app.slack.calls) == before
    assert app.ctx.archive.find_message(GENERAL, "1700000300.000100") is None
    assert app.ctx.archive.find_message(GENERAL, "1700000301.000100") is None


def test_bot_and_own_messages_are_ignored(running_app: RunningApp) -> None:
    app = running_app
    app.sender.event(
        message_event(
            "idiot bot text", "1700000400.000100", user="UOTHERBOT", bot_id="BOTHER", subtype="bot_message"
        ),
        event_id="EvBOT1",
    )
    app.sender.event(
        message_event("idiot self text", "1700000401.000100", user=BOT_USER, bot_id=BOT_ID), event_id="EvSELF1"
    )
    app.sender.event(message_event("a normal hello", "1700000402.000100"), event_id="EvHELLO1")
    app.finished("EvBOT1", "EvHELLO1")  # the app's own event is dropped by Bolt before the ack: nothing runs
    assert app.ctx.archive.find_message(GENERAL, "1700000402.000100") is not None
    assert app.ctx.archive.find_message(GENERAL, "1700000400.000100") is None
    assert app.ctx.archive.find_message(GENERAL, "1700000401.000100") is None
    assert not alert_posts(app)


def test_edit_rejudges_and_delete_marks_the_flag(running_app: RunningApp) -> None:
    app = running_app
    ts = "1700000500.000100"
    app.sender.event(message_event("see you at the meetup", ts))
    deadline = time.monotonic() + 10
    while app.ctx.archive.find_message(GENERAL, ts) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": GENERAL,
        "channel_type": "channel",
        "ts": "1700000501.000100",
        "event_ts": "1700000501.000100",
        "message": {
            "type": "message",
            "user": BEN,
            "text": "see you, idiot",
            "ts": ts,
            "edited": {"user": BEN, "ts": "1700000501.000000"},
        },
    }
    app.sender.event(edited)
    app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == MODS)
    assert "idiot" in app.ctx.archive.get_message(GENERAL, ts).text
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": GENERAL,
        "channel_type": "channel",
        "deleted_ts": ts,
        "ts": "1700000502.000100",
        "event_ts": "1700000502.000100",
        "previous_message": {"type": "message", "user": BEN, "text": "see you, idiot", "ts": ts},
    }
    app.sender.event(deleted)
    update = app.slack.wait_for("chat.update")[-1]
    assert "message deleted" in json.dumps(update.params["blocks"])
    assert app.ctx.archive.get_message(GENERAL, ts).deleted


def test_reactions_and_joins_are_recorded(running_app: RunningApp) -> None:
    app = running_app
    ts = "1700000600.000100"
    app.sender.event(message_event("lovely work everyone", ts))
    deadline = time.monotonic() + 10
    while app.ctx.archive.find_message(GENERAL, ts) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    item = {"type": "message", "channel": GENERAL, "ts": ts}
    app.sender.event({"type": "reaction_added", "user": BEN, "reaction": "tada", "item": item, "event_ts": "1"})
    app.sender.event({"type": "reaction_added", "user": MOD, "reaction": "tada", "item": item, "event_ts": "2"})
    app.sender.event({"type": "reaction_removed", "user": BEN, "reaction": "tada", "item": item, "event_ts": "3"})
    app.sender.event(
        {"type": "member_joined_channel", "user": BEN, "channel": GENERAL, "event_ts": "1700000700.000100"}
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        reactions = app.ctx.archive.get_message(GENERAL, ts).reactions
        joined = [m for m in app.ctx.archive.memberships(GENERAL) if m[1] == BEN and m[2] is not None]
        if reactions and reactions[0].users == [MOD] and joined:
            break
        time.sleep(0.05)
    assert [(r.name, r.users) for r in app.ctx.archive.get_message(GENERAL, ts).reactions] == [("tada", [MOD])]
    assert joined


def test_a_member_who_leaves_the_moderators_channel_stops_moderating(running_app: RunningApp) -> None:
    app = running_app
    deadline = time.monotonic() + 10
    while not app.ctx.moderation.is_moderator(MOD) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert app.ctx.moderation.is_moderator(MOD)
    app.sender.event(
        {"type": "member_left_channel", "user": MOD, "channel": MODS, "event_ts": "1700000800.000100"}
    )
    deadline = time.monotonic() + 10
    while app.ctx.moderation.is_moderator(MOD) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not app.ctx.moderation.is_moderator(MOD)
    assert (MODS, MOD) not in {(c, u) for c, u, _ in app.ctx.archive.memberships(MODS)}

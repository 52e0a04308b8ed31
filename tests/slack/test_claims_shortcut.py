"""“Mark as false claim”: a moderator teaches a rumour from Slack; earlier repeats are listed (recent ones alerted)
and the next repeat is flagged with the correction and its source. Anyone else is refused, and audited.

Real judgment engine (claim matching is part of it), the real Bolt app on loopback, the fake Slack Web API.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.clock import frozen_clock
from assistant.slack.blocks.claims import (
    CLAIM_BLOCK,
    CORRECTION_BLOCK,
    MODAL_CALLBACK,
    SOURCE_BLOCK,
    VERDICT_BLOCK,
)
from assistant.slack.listeners.shortcuts.claims import MARK_FALSE_CLAIM, REFUSAL
from tests.slack.conftest import (
    ANA,
    BEN,
    DEFAULT_NOW,
    GENERAL,
    MOD,
    MODS,
    RunningApp,
    _running_app,
    make_ctx,
    message_event,
)
from tests.slack.doubles import MemoEncoder, wait_for_state
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_moderation_actions import press

# A look-alike rumour written for these tests (not from any dataset).
RUMOUR = "Drinking hot lemon water every morning kills the coronavirus, pass it on!"
CLAIM = "Hot lemon water every morning kills the coronavirus"
CORRECTION = (
    "Lemon juice and hot drinks do not kill SARS-CoV-2; vaccines and antivirals prevent or treat COVID-19."
)
SOURCE = "https://example.org/fact-checks/hot-lemon-water"


@pytest.fixture()
def claims_app(tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder) -> Iterator[RunningApp]:
    opened: list[dict[str, Any]] = []

    def views_open(params: dict[str, Any]) -> dict[str, Any]:
        opened.append(params)
        return {"ok": True, "view": {"id": f"V{len(opened)}"}}

    fake_slack.api_views_open = views_open  # type: ignore[attr-defined]  (the fake has no modals of its own)
    fake_slack.opened = opened  # type: ignore[attr-defined]
    ctx = make_ctx(tmp_path, fake_slack, memo_encoder, real_judge=True, clock=frozen_clock(DEFAULT_NOW.at))
    yield from _running_app(ctx, fake_slack)


def shortcut(user: str, ts: str, text: str) -> dict[str, Any]:
    return {
        "type": "message_action",
        "callback_id": MARK_FALSE_CLAIM,
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "team": {"id": "T1"},
        "user": {"id": user},
        "channel": {"id": GENERAL, "name": "general"},
        "message": {"type": "message", "user": ANA, "ts": ts, "text": text},
        "response_url": "http://127.0.0.1:9/response",
    }


def submission(user: str, view: dict[str, Any], *, correction: str = CORRECTION, source: str = SOURCE) -> dict:
    def text(value: str) -> dict[str, Any]:
        return {"value": {"type": "plain_text_input", "value": value}}

    claim_block = next(b for b in view["blocks"] if b["block_id"] == CLAIM_BLOCK)
    assert claim_block["element"]["initial_value"]  # prefilled with the message
    return {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": user},
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": MODAL_CALLBACK,
            "private_metadata": view["private_metadata"],
            "state": {
                "values": {
                    CLAIM_BLOCK: text(CLAIM),
                    VERDICT_BLOCK: {
                        "value": {"type": "static_select", "selected_option": {"value": "false"}},
                    },
                    CORRECTION_BLOCK: text(correction),
                    SOURCE_BLOCK: text(source),
                }
            },
        },
    }


def alert_texts(slack: FakeSlack) -> list[str]:
    return [
        json.dumps(c.params.get("blocks"), ensure_ascii=False)
        for c in slack.calls_to("chat.postMessage")
        if c.params.get("channel") == MODS
    ]


@pytest.mark.model
def test_teaching_a_claim_lists_earlier_repeats_and_flags_the_next_one(claims_app: RunningApp) -> None:
    app = claims_app
    recent = app.seed(GENERAL, ANA, RUMOUR, ago_hours=3)
    old = app.seed(GENERAL, BEN, "my aunt swears hot water with lemon each morning kills covid", ago_hours=24 * 30)
    debunk = app.seed(GENERAL, BEN, "No, hot lemon water does not kill the coronavirus", ago_hours=2)
    assert not alert_texts(app.slack), "nothing is known about this rumour yet"

    reply = app.sender.interaction(shortcut(MOD, recent, RUMOUR))
    assert reply.status == 200
    app.slack.wait_for("views.open")
    [opened] = app.slack.opened  # type: ignore[attr-defined]
    assert RUMOUR in json.dumps(opened["view"]) and opened["view"]["callback_id"] == MODAL_CALLBACK

    reply = app.sender.interaction(submission(MOD, opened["view"]))
    assert reply.status == 200 and reply.seconds < 3.0
    (saved,) = app.slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.params.get("user") == MOD and "Claim saved" in c.params["text"]
    )
    listed = json.dumps(saved.params["blocks"], ensure_ascii=False)
    assert "2 earlier messages repeat it" in listed and "lemon" in listed
    assert "does not kill" not in listed  # the debunking message is not a repeat
    # the recent repeat became an alert with the correction and its source; the month-old one is only listed
    app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == MODS)
    [alert] = alert_texts(app.slack)
    assert "Lemon juice and hot drinks" in alert and SOURCE in alert
    assert app.ctx.moderation.store.flag_for(GENERAL, recent) is not None
    assert app.ctx.moderation.store.flag_for(GENERAL, old) is None
    assert app.ctx.moderation.store.flag_for(GENERAL, debunk) is None
    [added] = app.ctx.archive.audit(action="claim_added")
    assert added.actor == MOD and added.details["origin_ref"] == f"{GENERAL}:{recent}"

    # the next repeat, in other words, is flagged live with the correction and its source
    ts = f"{DEFAULT_NOW.at.timestamp() + 60:.6f}"
    app.sender.event(message_event("hot lemon water in the morning kills the coronavirus, try it", ts, user=BEN))
    app.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == MODS and "try it" in json.dumps(c.params)
    )
    latest = alert_texts(app.slack)[-1]
    assert "Lemon juice and hot drinks" in latest and SOURCE in latest
    judgment = app.ctx.archive.judgment(GENERAL, ts)
    assert judgment is not None and judgment.misinformation.matched_claim is not None

    # the moderator's warning on that alert confirms the message as a repeat: the claim is matched through it too
    flag = app.ctx.moderation.store.flag_for(GENERAL, ts)
    assert flag is not None and flag.alert_id is not None
    posted = wait_for_state(app.ctx.archive, f"slack-alert:{flag.alert_id}")
    [post] = [c for c in app.slack.calls_to("chat.postMessage") if c.params.get("channel") == MODS][-1:]
    actions = next(b for b in post.params["blocks"] if b["type"] == "actions")
    press(
        app,
        MOD,
        {"ts": posted["ts"], "buttons": {e["action_id"]: e for e in actions["elements"]}},
        "moderation_warn",
    )
    app.slack.wait_for("chat.update", where=lambda c: c.params.get("ts") == posted["ts"])
    claim_id = judgment.misinformation.matched_claim.id
    deadline = time.monotonic() + 10
    while not (confirmed := app.ctx.claims.confirmed.of_claim(claim_id)) and time.monotonic() < deadline:
        time.sleep(0.05)
    [repeat] = confirmed
    assert (repeat.channel_id, repeat.ts, repeat.added_by, repeat.origin) == (GENERAL, ts, MOD, "moderation")
    matrix = app.ctx.claims.matrix()
    assert matrix.repeat_rows is not None and [matrix.ids[r] for r in matrix.repeat_rows] == [claim_id]


@pytest.mark.model
def test_a_member_who_is_not_a_moderator_is_refused_and_audited(claims_app: RunningApp) -> None:
    app = claims_app
    ts = app.seed(GENERAL, ANA, RUMOUR, ago_hours=1)
    reply = app.sender.interaction(shortcut(BEN, ts, RUMOUR))
    assert reply.status == 200
    (eph,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == BEN)
    assert eph.params["text"] == REFUSAL
    assert not app.slack.calls_to("views.open")
    [refused] = app.ctx.archive.audit(action="claim_refused")
    assert refused.actor == BEN and refused.target == f"message:{GENERAL}:{ts}"
    # a forged submission (no modal was opened for BEN) is refused too, and adds nothing
    view = {"blocks": [{"block_id": CLAIM_BLOCK, "element": {"initial_value": RUMOUR}}]}
    view["private_metadata"] = json.dumps({"channel": GENERAL, "ts": ts})
    app.sender.interaction(submission(BEN, view))
    app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == BEN, count=2)
    assert len(app.ctx.archive.audit(action="claim_refused")) == 2
    assert not app.ctx.archive.audit(action="claim_added")
    assert all(c.origin == "knowledge" for c in app.ctx.claims.list())

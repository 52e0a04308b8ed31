"""``/summarize <thread link>`` and the “Summarize thread” shortcut answer only the asker."""

from __future__ import annotations

import json

from tests.slack.conftest import ANA, BEN, GENERAL, MOD, SECRET, RunningApp
from tests.slack.fake_slack import TEAM_URL

THREAD = [
    (ANA, "Should we move the community meetup from Friday to Saturday?"),
    (BEN, "Saturday works better for me, more people can come."),
    (MOD, "Agreed, we decided to move the meetup to Saturday at 10am."),
    (ANA, "Ben will book the room and send the invite by Wednesday."),
]


def seed_thread(app: RunningApp, channel: str = GENERAL) -> str:
    parent = app.seed(channel, THREAD[0][0], THREAD[0][1], ago_hours=6)
    for i, (user, text) in enumerate(THREAD[1:], start=1):
        app.seed(channel, user, text, ago_hours=6 - i * 0.1, thread_ts=parent)
    return parent


def link(channel: str, ts: str) -> str:
    return f"<{TEAM_URL}archives/{channel}/p{ts.replace('.', '')}>"


def test_summarize_with_a_thread_link_answers_ephemerally(running_app: RunningApp) -> None:
    app = running_app
    parent = seed_thread(app)
    reply = app.sender.command("/summarize", link(GENERAL, parent), BEN, GENERAL)
    assert reply.status == 200 and reply.seconds < 3.0
    (eph,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == BEN)
    assert eph.params["channel"] == GENERAL
    blocks = json.dumps(eph.params["blocks"], ensure_ascii=False)
    assert "Thread summary" in blocks and "Saturday" in blocks
    assert "only you can see this" in blocks
    assert not [c for c in app.slack.calls_to("chat.postMessage") if c.params.get("channel") == GENERAL]


def test_summarize_thread_shortcut_fetches_an_unarchived_thread(running_app: RunningApp) -> None:
    app = running_app
    parent = "1700002000.000100"
    app.slack.state.replies[(GENERAL, parent)] = [
        {
            "type": "message",
            "user": u,
            "text": t,
            "ts": f"17000020{i:02d}.000100",
            "thread_ts": parent,
            **({"reply_count": len(THREAD) - 1} if i == 0 else {}),
        }
        for i, (u, t) in enumerate(THREAD)
    ]
    payload = {
        "type": "message_action",
        "callback_id": "summarize_thread",
        "trigger_id": "1",
        "team": {"id": "T1"},
        "user": {"id": MOD},
        "channel": {"id": GENERAL, "name": "general"},
        "message": {"type": "message", "user": ANA, "ts": parent, "text": THREAD[0][1], "thread_ts": parent},
        "response_url": "http://127.0.0.1:9/response",
    }
    reply = app.sender.interaction(payload)
    assert reply.status == 200
    (eph,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == MOD)
    assert eph.params.get("thread_ts") == parent
    assert "Saturday" in json.dumps(eph.params["blocks"], ensure_ascii=False)
    assert app.slack.calls_to("conversations.replies"), "the thread was read from Slack first"


def test_summarize_refuses_a_private_thread_to_an_outsider(running_app: RunningApp) -> None:
    app = running_app
    parent = seed_thread(app, SECRET)
    app.sender.command("/summarize", link(SECRET, parent), BEN, GENERAL)
    (eph,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == BEN)
    text = json.dumps(eph.params["blocks"], ensure_ascii=False)
    assert "not a member" in text
    assert "Saturday" not in text


def test_summarize_without_a_link_recaps_the_channel(running_app: RunningApp) -> None:
    app = running_app
    parent = seed_thread(app)
    app.sender.command("/summarize", "week", BEN, GENERAL)
    (eph,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == BEN)
    blocks = json.dumps(eph.params["blocks"], ensure_ascii=False)
    assert "#general, last 7 days" in blocks and "Top threads" in blocks
    assert f"p{parent.replace('.', '')}" in blocks, "the top thread is linked"


def test_summarize_with_nonsense_explains_how(running_app: RunningApp) -> None:
    app = running_app
    app.sender.command("/summarize", "the thing from yesterday", BEN, GENERAL)
    (eph,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == BEN)
    assert "link to a thread" in eph.params["text"]

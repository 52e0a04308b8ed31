"""Questions by mention (threaded answer with citations) and by ``/ask`` (ephemeral); private channels never
leak to someone outside them."""

from __future__ import annotations

import json

from tests.slack.conftest import ANA, BEN, GENERAL, SECRET, RunningApp, message_event


def seed_discussion(app: RunningApp) -> tuple[str, str]:
    public = app.seed(
        GENERAL, BEN, "Could we please add dark mode to the mobile app? My eyes hurt at night.", ago_hours=5
    )
    app.seed(GENERAL, ANA, "Dark mode would be great, the white theme is harsh.", ago_hours=4)
    secret = app.seed(SECRET, ANA, "Dark mode launch is secretly planned with codename zebra.", ago_hours=3)
    return public, secret


def test_mention_gets_a_threaded_answer_with_citations(running_app: RunningApp) -> None:
    app = running_app
    public, _secret = seed_discussion(app)
    ts = "1700001000.000100"
    event = message_event("<@UBOT> what did people say about dark mode?", ts, user=ANA)
    event["type"] = "app_mention"
    reply = app.sender.event(event)
    assert reply.status == 200 and reply.seconds < 3.0
    (placeholder,) = app.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == GENERAL and c.params.get("thread_ts") == ts
    )
    assert "Reading" in placeholder.params["text"], "the question is acknowledged in the thread at once"
    (post,) = app.slack.wait_for("chat.update", where=lambda c: c.params.get("channel") == GENERAL)
    text = json.dumps(post.params["blocks"], ensure_ascii=False)
    assert "Sources" in text and "[1]" in text, "the answer replaces the placeholder in place"
    assert f"p{public.replace('.', '')}" in text, "the public message is cited with a link"
    # Ana is in #secret-plans, but the answer is posted in #general where others read it.
    assert "zebra" not in text and SECRET not in text and "secret-plans" not in text


def test_ask_is_ephemeral_and_respects_private_channels(running_app: RunningApp) -> None:
    app = running_app
    seed_discussion(app)
    heard = app.sender.command("/ask", "what did people say about dark mode?", BEN, GENERAL)
    assert heard.status == 200 and heard.seconds < 3.0 and "Reading" in heard.body, "acknowledged at once"
    (ben,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == BEN)
    assert ben.params["channel"] == GENERAL
    ben_text = json.dumps(ben.params["blocks"], ensure_ascii=False)
    assert "Sources" in ben_text
    assert "zebra" not in ben_text, "Ben is not in the private channel"
    app.sender.command("/ask", "what did people say about dark mode?", ANA, GENERAL)
    (ana,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == ANA)
    assert "zebra" in json.dumps(ana.params["blocks"], ensure_ascii=False), "Ana may see her private channel"


def test_empty_mention_gets_help_not_an_error(running_app: RunningApp) -> None:
    app = running_app
    event = message_event("<@UBOT>", "1700001100.000100", user=BEN)
    event["type"] = "app_mention"
    app.sender.event(event)
    (post,) = app.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("thread_ts") == "1700001100.000100"
    )
    assert "Ask me about your communities" in post.params["text"]

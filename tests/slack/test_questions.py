"""Questions by mention (threaded answer with citations) and by ``/ask`` (ephemeral); each acknowledges at once
with a placeholder that the answer then replaces in place; private channels never leak to someone outside them."""

from __future__ import annotations

import json

import pytest

from assistant.slack.listeners.commands.ask import READING
from tests.slack.conftest import ANA, BEN, GENERAL, SECRET, RunningApp, message_event
from tests.slack.fake_slack import RESPONSE_URL, Failure


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
    app.sender.response_urls = app.slack.response_url  # each command's response_url is the fake Slack's
    seed_discussion(app)
    heard = app.sender.command("/ask", "what did people say about dark mode?", BEN, GENERAL)
    assert heard.status == 200 and heard.seconds < 3.0, "acknowledged within Slack's 3 s"
    assert heard.body == READING, "the acknowledgement (plain text: shown to the asker alone) is the placeholder"
    (ben,) = app.slack.wait_for(RESPONSE_URL, where=lambda c: BEN in c.path)
    assert ben.params["replace_original"] is True, "the answer replaces the placeholder in place"
    assert ben.params["response_type"] == "ephemeral", "only the asker sees it"
    ben_text = json.dumps(ben.params["blocks"], ensure_ascii=False)
    assert "Sources" in ben_text
    assert "zebra" not in ben_text, "Ben is not in the private channel"
    app.sender.command("/ask", "what did people say about dark mode?", ANA, GENERAL)
    (ana,) = app.slack.wait_for(RESPONSE_URL, where=lambda c: ANA in c.path)
    assert "zebra" in json.dumps(ana.params["blocks"], ensure_ascii=False), "Ana may see her private channel"
    assert not app.slack.calls_to("chat.postEphemeral"), "no second private reply"


@pytest.mark.parametrize("refusal", [Failure(status=404, error="expired_url", retry_after=None), None])
def test_ask_answers_privately_when_its_placeholder_cannot_be_replaced(
    running_app: RunningApp, refusal: Failure | None
) -> None:
    """Slack refuses the response_url (expired, used up), or it cannot be reached at all: the answer is posted
    privately instead, so it is never lost."""
    app = running_app
    if refusal is not None:
        app.sender.response_urls = app.slack.response_url
        app.slack.fail(RESPONSE_URL, refusal)
    seed_discussion(app)
    heard = app.sender.command("/ask", "what did people say about dark mode?", BEN, GENERAL)
    assert heard.status == 200 and heard.seconds < 3.0 and READING in heard.body
    (ben,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == BEN)
    assert ben.params["channel"] == GENERAL
    ben_text = json.dumps(ben.params["blocks"], ensure_ascii=False)
    assert "Sources" in ben_text and "zebra" not in ben_text
    if refusal is not None:
        (tried,) = app.slack.calls_to(RESPONSE_URL)
        assert tried.params["replace_original"] is True


def test_empty_mention_gets_help_not_an_error(running_app: RunningApp) -> None:
    app = running_app
    event = message_event("<@UBOT>", "1700001100.000100", user=BEN)
    event["type"] = "app_mention"
    app.sender.event(event)
    (post,) = app.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("thread_ts") == "1700001100.000100"
    )
    assert "Ask me about your communities" in post.params["text"]

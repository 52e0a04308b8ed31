"""``app_mention`` -> answer the question in a thread, citing messages everyone in that channel may see."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.ingest import resolve_markup
from assistant.slack.blocks import as_payload, error_blocks
from assistant.slack.blocks.mentions import USER_MENTION
from assistant.slack.listeners.citations import answer_reply
from assistant.slack.runtime import SlackRuntime
from assistant.slack.web import error_code

logger = logging.getLogger(__name__)

MAX_QUESTION = 1000

READING = "Reading the channels everyone here can see…"
HELP = "Ask me about your communities, e.g. “@Community Assistant what do people in #design want most?”"


def question_from(text: str, users: dict[str, str], channels: dict[str, str]) -> str:
    """The question without the leading mention(s), readable, bounded."""
    stripped = USER_MENTION.sub(" ", text or "", count=1)
    return resolve_markup(stripped, users, channels)[:MAX_QUESTION].strip()


def register(app: App, runtime: SlackRuntime) -> None:
    def on_mention(event: dict[str, Any]) -> None:
        answer_mention(runtime, event)

    app.event("app_mention")(on_mention)


def answer_mention(runtime: SlackRuntime, event: dict[str, Any]) -> None:
    channel_id = str(event.get("channel") or "")
    user_id = str(event.get("user") or "")
    ts = str(event.get("ts") or "")
    if not channel_id or not user_id or not ts or event.get("bot_id"):
        return
    thread_ts = str(event.get("thread_ts") or ts)
    question = question_from(
        str(event.get("text") or ""), runtime.directory.user_names(), runtime.directory.channel_names()
    )
    if not question:
        _reply(runtime, channel_id, thread_ts, error_blocks(HELP), HELP)
        return
    # Say at once that the question was heard; the answer replaces this line when it is ready.
    placeholder = _reply(runtime, channel_id, thread_ts, [], READING)
    # In a channel everyone there reads the answer: it draws only on what they may all see.
    blocks, text = answer_reply(
        runtime, question, lambda: runtime.visibility.visible_in_reply(user_id, channel_id)
    )
    if placeholder is not None:
        try:
            runtime.client.chat_update(channel=channel_id, ts=placeholder, text=text, blocks=as_payload(blocks))
            return
        except SdkApiError as exc:
            logger.warning("answer could not replace its placeholder in %s: %s", channel_id, error_code(exc))
    _reply(runtime, channel_id, thread_ts, blocks, text)


def _reply(runtime: SlackRuntime, channel_id: str, thread_ts: str, blocks: list[Any], text: str) -> str | None:
    """Post in the thread; returns the new message's ts (None when Slack refused)."""
    try:
        response = runtime.client.chat_postMessage(
            channel=channel_id, thread_ts=thread_ts, text=text, blocks=as_payload(blocks), unfurl_links=False
        )
    except SdkApiError as exc:
        logger.error("reply in %s not posted: %s", channel_id, error_code(exc))
        return None
    return str(response.get("ts") or "") or None

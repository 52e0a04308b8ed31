"""``/ask <question>`` -> an answer with citations, only to the asker, from channels they can see.

The acknowledgement is the placeholder: "Reading…" reaches the asker at once, within Slack's 3 s, and the
answer then replaces it in place through the command's ``response_url`` (``replace_original``)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from assistant.ingest import resolve_markup
from assistant.slack.listeners.citations import answer_reply
from assistant.slack.listeners.events.mentions import MAX_QUESTION
from assistant.slack.runtime import SlackRuntime

READING = "Reading the channels you can see for an answer…"
USAGE = "Ask a question after the command, e.g. /ask what do people in #design want most?"


def register(app: App, runtime: SlackRuntime) -> None:
    def on_ask(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        user_id, reply_in = str(command["user_id"]), str(command["channel_id"])
        question = resolve_markup(
            str(command.get("text") or ""), runtime.directory.user_names(), runtime.directory.channel_names()
        )[:MAX_QUESTION]
        if not question:
            ack(text=USAGE)
            return
        ack(text=READING)  # the placeholder, shown to the asker at once
        blocks, text = answer_reply(runtime, question, lambda: runtime.visibility.visible_to(user_id))
        runtime.replace_placeholder(respond, reply_in, user_id, text, blocks)

    app.command("/ask")(on_ask)

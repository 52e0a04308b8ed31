"""``/ask <question>`` -> an answer with citations, only to the asker, from channels they can see."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from assistant.errors import AssistantError
from assistant.ingest import resolve_markup
from assistant.slack.blocks import error_blocks
from assistant.slack.blocks.answers import answer_blocks, answer_text
from assistant.slack.listeners.citations import visible_citations
from assistant.slack.listeners.events.mentions import MAX_QUESTION
from assistant.slack.runtime import SlackRuntime

READING = "Reading the channels you can see for an answer…"
USAGE = "Ask a question after the command, e.g. /ask what do people in #design want most?"


def register(app: App, runtime: SlackRuntime) -> None:
    def on_ask(ack: Ack, command: dict[str, Any]) -> None:
        user_id, reply_in = str(command["user_id"]), str(command["channel_id"])
        question = resolve_markup(
            str(command.get("text") or ""), runtime.directory.user_names(), runtime.directory.channel_names()
        )[:MAX_QUESTION]
        if not question:
            ack(text=USAGE)
            return
        ack(text=READING)  # shown to the asker at once, within Slack's 3 s; the answer follows
        try:
            visible = runtime.visibility.visible_to(user_id)
            answer = runtime.ctx.qa.ask(question, channel=None, visible_channel_ids=visible)
            answer = answer.model_copy(update={"citations": visible_citations(runtime, answer.citations, visible)})
        except AssistantError as exc:
            runtime.ephemeral(reply_in, user_id, exc.message, error_blocks(exc.message))
            return
        runtime.ephemeral(reply_in, user_id, answer_text(answer), answer_blocks(question, answer))

    app.command("/ask")(on_ask)

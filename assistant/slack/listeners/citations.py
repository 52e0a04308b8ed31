"""Answers shown to a person: drawn only from channels they may see, each citation linked to its message."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from slack_sdk.models.blocks import Block

from assistant.domain import Citation
from assistant.errors import AssistantError
from assistant.slack.blocks import error_blocks
from assistant.slack.blocks.answers import answer_blocks, answer_text
from assistant.slack.runtime import SlackRuntime


def visible_citations(runtime: SlackRuntime, citations: Sequence[Citation], visible: set[str]) -> list[Citation]:
    """Drop any citation outside ``visible`` (defence in depth) and add permalinks where missing."""
    out: list[Citation] = []
    for c in citations:
        try:
            channel_id = runtime.directory.resolve_channel(c.channel)
        except AssistantError:
            continue
        if channel_id not in visible:
            continue
        link = c.permalink or runtime.permalink(channel_id, c.ts)
        out.append(c.model_copy(update={"permalink": link}))
    return out


def answer_reply(runtime: SlackRuntime, question: str, visible: Callable[[], set[str]]) -> tuple[list[Block], str]:
    """The reply to a question (its blocks and text) from the channels ``visible()`` names, or the one sentence
    that says why there is no answer."""
    try:
        channels = visible()
        answer = runtime.ctx.qa.ask(question, channel=None, visible_channel_ids=channels)
        answer = answer.model_copy(update={"citations": visible_citations(runtime, answer.citations, channels)})
    except AssistantError as exc:
        return error_blocks(exc.message), exc.message
    return answer_blocks(question, answer), answer_text(answer)

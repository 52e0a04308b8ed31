"""An answer to a question, with the messages it cites (numbered like the ``[n]`` markers in the text)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from assistant.domain import Citation
from assistant.insights.models import Answer
from assistant.slack.blocks.common import context, escape, section, truncate, ts_label
from assistant.slack.blocks.mentions import channel_ref, person


def citation_line(n: int, c: Citation) -> str:
    where = channel_ref(c.channel)
    when = ts_label(c.ts)
    link = f" · <{c.permalink}|open>" if c.permalink else ""
    who = f" · {person(c.user)}" if c.user else ""
    return f"[{n}] {where} · {when}{who}{link}: “{escape(truncate(c.text, 160))}”"


def answer_blocks(question: str, answer: Answer) -> list[Block]:
    blocks: list[Block] = [
        context(f"*Question:* {escape(truncate(question, 300))}"),
        section(escape(answer.answer) or "I found nothing to answer that with."),
    ]
    if answer.citations:
        lines = [citation_line(i, c) for i, c in enumerate(answer.citations[:8], start=1)]
        blocks.append(context("*Sources*\n" + "\n".join(lines)))
    blocks.append(context("Answered from channels you can see; private channels stay private."))
    return blocks


def answer_text(answer: Answer) -> str:
    return truncate(answer.answer, 300) or "No answer found."


# Slack's AI-app surface (the assistant thread) --------------------------------------------------------------------
#: The channels the suggested prompts name when the workspace has no better ones (see ``suggested_prompts``).
WANTS_CHANNEL = "design"
MOOD_CHANNEL = "help"
PROMPTS_TITLE = "Ask about your communities, for example:"
#: Slack shows a suggested prompt's title on one short line.
_PROMPT_TITLE_LIMIT = 75


def suggested_prompts(
    wants_channel: str = WANTS_CHANNEL, mood_channel: str = MOOD_CHANNEL
) -> list[dict[str, str]]:
    """The prompts an assistant thread opens with (``assistant.threads.setSuggestedPrompts``): a question each
    about wants, quiet members and mood, naming the channels given."""
    questions = [
        f"What does #{wants_channel} want?",
        "Who went quiet?",
        f"How did #{mood_channel} feel this month?",
    ]
    return [{"title": truncate(q, _PROMPT_TITLE_LIMIT), "message": q} for q in questions]


def reading_status(channel_name: str | None) -> str:
    """The assistant thread's status line while an answer is computed; Slack puts the app's name before it."""
    return f"is reading #{channel_name}…" if channel_name else "is reading the channels you can see…"

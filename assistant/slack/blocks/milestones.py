"""Milestones in Block Kit (the weekly digest and the Home tab): what happened, the suggested celebration message,
and a button that posts it where it belongs. Nothing is posted until a manager presses it."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import Block, ButtonElement, MarkdownTextObject, PlainTextObject, SectionBlock

from assistant.insights.models import Milestone
from assistant.slack.blocks.common import escape, truncate

POST_MILESTONE = "milestone_post"
#: Block Kit: a button's value holds at most 2000 characters.
VALUE_LIMIT = 2000


def button_value(m: Milestone) -> str:
    value = {"c": m.post_channel, "t": m.post_thread_ts, "id": m.id, "m": m.suggestion}
    raw = json.dumps(value, ensure_ascii=False)
    if len(raw) > VALUE_LIMIT:
        value["m"] = truncate(m.suggestion, VALUE_LIMIT - (len(raw) - len(m.suggestion)) - 1)
        raw = json.dumps(value, ensure_ascii=False)
    return raw


def milestone_section(m: Milestone) -> SectionBlock:
    where = f"#{m.channel_name}" if m.channel_name else "the channel"
    text = f"*{escape(truncate(m.title, 200))}*\n_Suggested:_ {truncate(m.suggestion, 400)}"
    accessory = None
    if m.post_channel:
        accessory = ButtonElement(
            action_id=POST_MILESTONE,
            text=PlainTextObject(text=truncate(f"Post in {where}" + (" thread" if m.post_thread_ts else ""), 75)),
            value=button_value(m),
        )
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000)), accessory=accessory)


def milestone_blocks(milestones: list[Milestone], limit: int = 5) -> list[Block]:
    """The most recent ``limit`` milestones, newest first."""
    return [milestone_section(m) for m in sorted(milestones, key=lambda m: m.at, reverse=True)[:limit]]

"""Small helpers every renderer shares: escaping user text for mrkdwn, truncating to Block Kit limits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

#: Block Kit limits: a section's text is at most 3000 characters, a context element's at most 2000.
SECTION_LIMIT = 3000
CONTEXT_LIMIT = 2000


def escape(text: str) -> str:
    """Make user text inert in mrkdwn: no mentions, channel pings or links can be smuggled in."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def quote(text: str, limit: int = 600) -> str:
    """User text as an escaped mrkdwn block quote."""
    return "\n".join("> " + line for line in escape(truncate(text, limit)).splitlines() or [">"])


def ts_label(ts: str) -> str:
    """A Slack ts as a short UTC date and time."""
    try:
        return datetime.fromtimestamp(float(ts), tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError, OverflowError):
        return ts


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_LIMIT)))


def context(*texts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(t, CONTEXT_LIMIT)) for t in texts if t][:10])


def error_blocks(sentence: str) -> list[Block]:
    """A refusal or failure as one plain sentence."""
    return [section(f":warning: {escape(sentence)}")]


def as_payload(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Blocks as the JSON Slack accepts (validated by slack-sdk's models on the way)."""
    return [b.to_dict() for b in blocks]

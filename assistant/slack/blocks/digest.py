"""The weekly digest DM: a header with the week, the workspace line, then one section per channel (numbers,
mood, replies) with what people want, who went quiet, unanswered newcomers and whom to recognise; then the
week's milestones, each with a button that posts its celebration message."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock, PlainTextObject

from assistant.insights.models import Digest, DigestChannel
from assistant.slack.blocks.common import context, escape, section, truncate
from assistant.slack.blocks.milestones import milestone_blocks

#: Block Kit allows 50 blocks per message; each channel takes up to three.
MAX_CHANNELS = 15
#: Slack truncates very long ``text``; the fallback is for notifications and clients without blocks.
TEXT_LIMIT = 3000


def _pct(value: float | None, comparison: str) -> str:
    return "" if value is None else f" ({value:+.0%} vs {comparison})"


def digest_title(digest: Digest) -> str:
    return f"Weekly digest ({digest.window.label}), {digest.start:%a %d %b} – {digest.last_day:%a %d %b %Y}"


def channel_lines(ch: DigestChannel) -> list[str]:
    m = ch.metrics
    mood = m.sentiment
    shares = f" ({mood.positive:.0%} positive, {mood.negative:.0%} negative)" if mood.judged else ""
    lines = [
        f"*#{escape(ch.channel_name)}*: *{m.messages}* messages{_pct(m.trend.get('messages_pct'), m.window.comparison)}, "
        f"*{m.active_members}* of {m.members} members active",
        f"Mood: *{escape(mood.mood)}*{shares}",
    ]
    if m.reply_rate is not None:
        wait = m.median_first_reply_minutes
        waited = f", median wait {wait:.0f} min" if wait is not None else ""
        lines.append(f"Replies: {m.reply_rate:.0%} of new posts got one{waited}")
    return lines


def channel_details(ch: DigestChannel) -> list[str]:
    """Short lines for the context block under a channel: wants, quiet members, newcomers, contributors."""
    out = []
    if ch.wants:
        out.append(
            "Wants: "
            + " · ".join(f"{escape(truncate(t.label, 60))} ({t.distinct_members} members)" for t in ch.wants[:3])
        )
    if ch.quiet:
        out.append("Went quiet: " + ", ".join(escape(q.name) for q in ch.quiet[:5]))
    if ch.newcomers:
        out.append(
            "Unanswered newcomers: "
            + ", ".join(f"{escape(n.name)} ({n.waiting_days:.0f} days)" for n in ch.newcomers[:5])
        )
    if ch.contributors:
        out.append("Recognise: " + ", ".join(escape(c.name) for c in ch.contributors[:3]))
    return out


def digest_blocks(digest: Digest) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=truncate(digest_title(digest), 150)))]
    if digest.workspace is not None and digest.channels:
        w = digest.workspace
        blocks.append(
            context(
                f"Across your channels: *{w.messages}* messages from *{w.active_members}* active members"
                f"{_pct(w.trend.get('messages_pct'), w.window.comparison)}"
            )
        )
    if not digest.channels:
        blocks.append(section(f"None of the channels you can see had activity to report {digest.window.label}."))
    for ch in digest.channels[:MAX_CHANNELS]:
        blocks.append(DividerBlock())
        blocks.append(section("\n".join(channel_lines(ch))))
        details = channel_details(ch)
        if details:
            blocks.append(context(*details))
    if len(digest.channels) > MAX_CHANNELS:
        blocks.append(context(f"…and {len(digest.channels) - MAX_CHANNELS} more channels."))
    room = 50 - len(blocks) - 2  # Block Kit's 50 blocks: a divider and the heading come first
    if digest.milestones and room > 0:
        blocks.append(DividerBlock())
        blocks.append(
            section(f"*Milestones to celebrate* ({len(digest.milestones)}): post a suggestion with one click")
        )
        blocks.extend(milestone_blocks(digest.milestones, limit=min(5, room)))
    return blocks


def digest_text(digest: Digest) -> str:
    """The plain-text fallback: the same digest as ``prompts/digest_weekly.md`` renders it, made inert."""
    return escape(truncate(digest.text(), TEXT_LIMIT))

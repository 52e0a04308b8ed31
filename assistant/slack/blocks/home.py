"""The Home tab: milestones to celebrate (for managers), then each channel's health at a glance (activity, mood, open
flags, what people want)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock, PlainTextObject

from assistant.insights.models import ChannelHealth, Milestone
from assistant.slack.blocks.common import context, escape, section, truncate
from assistant.slack.blocks.milestones import milestone_blocks


def _trend(value: float | None) -> str:
    if value is None:
        return ""
    arrow = ":arrow_up_small:" if value > 0 else (":arrow_down_small:" if value < 0 else "")
    return f" {arrow}{value:+.0%}"


def _plural(n: int, word: str) -> str:
    return f"*{n}* {word}" + ("" if n == 1 else "s")


def channel_health_blocks(health: ChannelHealth) -> list[Block]:
    """One channel: activity and mood over ``health.recent`` (the past 7 days), trends against the 7 days before;
    every window word comes from the window itself."""
    recent = health.recent
    mood = recent.sentiment
    lines = [
        f"*#{escape(health.channel_name)}*",
        f"Activity ({escape(recent.window.short)}): {_plural(recent.messages, 'message')}"
        f"{_trend(recent.trend.get('messages_pct'))}, "
        f"*{recent.active_members}* of {recent.members} members active"
        f"{_trend(recent.trend.get('active_members_pct'))}",
        f"Mood: *{escape(mood.mood)}* — {escape(mood.summary)} "
        f"(net {mood.net:+.2f} over {mood.judged} judged message{'' if mood.judged == 1 else 's'})",
    ]
    if recent.reply_rate is not None:
        lines.append(f"Questions answered: {recent.reply_rate:.0%}")
    flags = "n/a" if health.open_flags is None else str(health.open_flags)
    lines.append(f"Open flags: *{flags}*")
    blocks: list[Block] = [section("\n".join(lines))]
    if health.top_wants:
        blocks.append(context("Wants: " + " · ".join(escape(truncate(w, 80)) for w in health.top_wants[:5])))
    return blocks


def home_blocks(
    healths: list[ChannelHealth], problems: list[str] | None = None, milestones: list[Milestone] | None = None
) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Community health"))]
    if milestones:
        blocks.append(
            section(f"*Milestones to celebrate* (past 30 days, {len(milestones)}): post one with a click")
        )
        blocks.extend(milestone_blocks(milestones, limit=5))
        blocks.append(DividerBlock())
    if not healths:
        blocks.append(
            section("No channels to show yet. Invite the assistant to a channel (`/invite @Community Assistant`).")
        )
    for health in healths[:20]:
        blocks.extend(channel_health_blocks(health))
        blocks.append(DividerBlock())
    for problem in problems or []:
        blocks.append(context(f":warning: {escape(problem)}"))
    if healths:
        window = healths[0].recent.window
        blocks.append(
            context(f"Activity and mood: {window.label} up to now; arrows compare with {window.comparison}.")
        )
    blocks.append(
        context("Ask with `/ask`, summarise a thread with `/summarize <link>`; moderators use `/community`.")
    )
    return blocks[:100]

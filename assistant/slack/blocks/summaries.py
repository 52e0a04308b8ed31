"""A thread summary: the gist, key points, decisions, open questions and action items, each linked to its
message, shown only to the person who asked."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock, PlainTextObject

from assistant.domain import Summary
from assistant.domain.records import SummaryPoint
from assistant.slack.blocks.common import context, escape, section, truncate
from assistant.slack.blocks.mentions import is_member_id, person, user_mention
from assistant.summaries.models import ChannelRecap


def _points(title: str, points: list[SummaryPoint], link: dict[str, str]) -> str:
    lines = []
    for p in points[:8]:
        who = f"{user_mention(p.user)} " if is_member_id(p.user) else ""
        ref = f" (<{link[p.ts]}|msg>)" if p.ts in link else ""
        lines.append(f"• {who}{escape(truncate(p.text, 300))}{ref}")
    return f"*{title}*\n" + "\n".join(lines)


def summary_blocks(summary: Summary, permalinks: dict[str, str] | None = None, where: str = "") -> list[Block]:
    link = permalinks or {}
    title = "Thread summary" + (f" · {where}" if where else "")
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=truncate(title, 150)))]
    blocks.append(section(escape(summary.gist) or "Nothing to summarise yet."))
    if summary.resolution is not None:
        r = summary.resolution
        ref = f" (<{link[r.ts]}|msg>)" if r.ts in link else ""
        label = "Resolved" if summary.resolved else "Unresolved · last message"
        blocks.append(section(f"*{label}*\n{escape(truncate(r.text, 500))}{ref}"))
    for name, points in (
        ("Key points", summary.key_points),
        ("Decisions", summary.decisions),
        ("Open questions", summary.open_questions),
        ("Action items", summary.action_items),
    ):
        if points:
            blocks.append(section(_points(name, points, link)))
    facts = []
    if summary.participants:
        facts.append("Participants: " + ", ".join(person(u) for u in summary.participants[:12]))
    if summary.message_count:
        facts.append(f"{summary.message_count} messages")
    if summary.mood.get("label") or summary.mood.get("mood"):
        facts.append(f"Mood: {escape(str(summary.mood.get('label') or summary.mood.get('mood')))}")
    facts.append(f"Method: {escape(summary.method)} · only you can see this")
    blocks.append(context(" · ".join(facts)))
    return blocks


def summary_text(summary: Summary) -> str:
    return truncate(summary.gist, 300) or "Thread summary"


def recap_blocks(recap: ChannelRecap, links: dict[str, str] | None = None) -> list[Block]:
    """A channel recap: the period's activity and its top threads, each with its gist and a link."""
    link = links or {}
    days = max(1, round((recap.until - recap.since).total_seconds() / 86400))
    title = f"#{recap.channel_name}, last {days} day{'s' if days != 1 else ''}"
    mood = recap.mood.get("label") or recap.mood.get("mood")
    facts = f"{recap.messages} messages, {recap.threads} threads, {recap.active_members} active members"
    if mood:
        facts += f" · mood: {escape(str(mood))}"
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=truncate(title, 150))), section(facts)]
    lines = []
    for t in recap.top_threads[:8]:
        ref = f"<{link[t.thread_ts]}|thread>" if t.thread_ts in link else "thread"
        lines.append(f"• {ref} ({t.replies} replies, {t.people} people): {escape(truncate(t.summary.gist, 280))}")
    blocks.append(section("*Top threads*\n" + "\n".join(lines) if lines else "No threads in this period."))
    blocks.append(context("Only you can see this · `/summarize <link>` summarises one thread"))
    return blocks

"""Plain-text rendering of summaries and recaps, shared by the CLI and any text surface (the Slack app builds
Block Kit from the same models itself). Each point shows the ``ts`` of the message it comes from."""

from __future__ import annotations

from collections.abc import Mapping

from assistant.domain import Summary, SummaryPoint
from assistant.domain.workspace import ts_to_datetime
from assistant.summaries.models import ChannelRecap


def _name(user: str | None, names: Mapping[str, str]) -> str:
    return names.get(user, user) if user else "unassigned"


def _points(title: str, points: list[SummaryPoint], names: Mapping[str, str], *, owner: bool = False) -> list[str]:
    if not points:
        return []
    lines = [f"{title}:"]
    for p in points:
        who = f" (owner: {_name(p.user, names)})" if owner else ""
        lines.append(f"  • {p.text}{who} [ts {p.ts}]")
    return lines


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _when(ts: str | None) -> str:
    return ts_to_datetime(ts).strftime("%Y-%m-%d %H:%M UTC") if ts else "?"


def render_text(summary: Summary, names: Mapping[str, str]) -> str:
    """A thread summary as text: gist, mood, points with citations, participants."""
    mood = summary.mood or {}
    mood_text = mood.get("label", "unknown")
    if mood.get("heated"):
        mood_text += f" — turned heated: {mood.get('heated_reason', '')}"
    elif mood.get("shares"):
        shares = mood["shares"]
        mood_text += " (" + ", ".join(f"{k} {v:.0%}" for k, v in shares.items()) + ")"
    header = (
        f"Thread {summary.thread_ts or ''} in {summary.channel_id}: {summary.message_count} messages, "
        f"{len(summary.participants)} people, {_when(summary.first_ts)} → {_when(summary.last_ts)} "
        f"[{summary.method}]"
    )
    lines = [header, "", f"Gist: {summary.gist}"]
    if summary.gist_sources:
        lines.append(f"  (from ts {', '.join(summary.gist_sources)})")
    lines.append(f"Mood: {mood_text}")
    if summary.resolution is not None:
        r = summary.resolution
        label = "Resolved" if summary.resolved else "Unresolved. Last message"
        lines.append(f"{label}: {r.text} [ts {r.ts}]")
    for title, points, owner in (
        ("Key points", summary.key_points, False),
        ("Decisions", summary.decisions, False),
        ("Open questions", summary.open_questions, False),
        ("Action items", summary.action_items, True),
    ):
        block = _points(title, points, names, owner=owner)
        if block:
            lines.extend(["", *block])
    lines.extend(["", "Participants: " + ", ".join(_name(u, names) for u in summary.participants)])
    for note in summary.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def render_recap_text(recap: ChannelRecap, names: Mapping[str, str]) -> str:
    """A channel recap as text: activity, mood, then each top thread's gist and decisions."""
    lines = [
        f"#{recap.channel_name} from {recap.since:%Y-%m-%d %H:%M} to {recap.until:%Y-%m-%d %H:%M} UTC: "
        f"{_count(recap.messages, 'message', 'messages')}, {_count(recap.threads, 'thread', 'threads')}, "
        f"{_count(recap.active_members, 'person', 'people')} active; "
        f"mood {recap.mood.get('label', 'unknown')}."
    ]
    if not recap.top_threads:
        lines.append("Nothing was discussed in this period.")
    for n, item in enumerate(recap.top_threads, 1):
        s = item.summary
        lines.append("")
        lines.append(
            f"{n}. Thread {item.thread_ts} ({_count(item.replies, 'reply', 'replies')}, "
            f"{_count(item.reactions, 'reaction', 'reactions')}, {_count(item.people, 'person', 'people')})"
        )
        lines.append(f"   {s.gist}")
        if s.resolution is not None:
            label = "Resolved" if s.resolved else "Unresolved, last"
            lines.append(f"   {label}: {s.resolution.text} [ts {s.resolution.ts}]")
        for p in s.decisions:
            lines.append(f"   Decision: {p.text} [ts {p.ts}]")
        for p in s.open_questions:
            lines.append(f"   Open: {p.text} [ts {p.ts}]")
        for p in s.action_items:
            lines.append(f"   Action ({_name(p.user, names)}): {p.text} [ts {p.ts}]")
    return "\n".join(lines)

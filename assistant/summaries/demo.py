"""The demo's "Summaries" section: the busiest threads of the sample workspace, summarised, and a recap of the
busiest channel's last week of activity."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from assistant.summaries.render import render_recap_text, render_text

if TYPE_CHECKING:
    from assistant.context import Context


def summaries_section(ctx: Context, *, threads: int = 3) -> dict[str, Any]:
    service = ctx.summaries
    names = ctx.archive.member_names()
    parents = sorted(ctx.archive.thread_parents(), key=lambda m: (-m.reply_count, m.ts))[:threads]
    out: dict[str, Any] = {"threads": [], "recap": None}
    for parent in parents:
        summary = service.thread(parent.channel_id, parent.ts)
        out["threads"].append(render_text(summary, names))
    talk = ctx.archive.messages(conversation_only=True)
    if talk:
        busiest = max({m.channel_id for m in talk}, key=lambda c: sum(1 for m in talk if m.channel_id == c))
        last = max(m.time for m in talk if m.channel_id == busiest)
        recap = service.recap(busiest, last - timedelta(days=7), last + timedelta(seconds=1))
        out["recap"] = render_recap_text(recap, names)
    return out

"""``/summarize <link to a thread>`` -> a summary only the asker sees (also used by the message shortcut)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App

from assistant.errors import AssistantError, PermissionDeniedError
from assistant.slack.blocks import error_blocks
from assistant.slack.blocks.summaries import recap_blocks, summary_blocks, summary_text
from assistant.slack.listeners.links import message_link, parse_message_link
from assistant.slack.runtime import SlackRuntime

logger = logging.getLogger(__name__)

USAGE = (
    "Use /summarize with a link to a thread (⋯ → Copy link) or the “Summarize thread” message shortcut; "
    "/summarize alone (or with day, week or month) recaps this channel."
)
PERIODS = {"": 7, "day": 1, "today": 1, "week": 7, "month": 30}


def register(app: App, runtime: SlackRuntime) -> None:
    def on_summarize(ack: Ack, command: dict[str, Any]) -> None:
        ack()
        user_id, reply_in = str(command["user_id"]), str(command["channel_id"])
        text = str(command.get("text") or "").strip()
        ref = parse_message_link(text)
        if ref is None:
            days = PERIODS.get(text.lower().removeprefix("last ").strip())
            if days is None:
                runtime.ephemeral(reply_in, user_id, USAGE, error_blocks(USAGE))
            else:
                recap_for(runtime, user_id=user_id, channel_id=reply_in, days=days)
            return
        summarize_for(runtime, user_id=user_id, reply_in=reply_in, channel_id=ref.channel_id, thread_ts=ref.target)

    app.command("/summarize")(on_summarize)


def summarize_for(
    runtime: SlackRuntime,
    *,
    user_id: str,
    reply_in: str,
    channel_id: str,
    thread_ts: str,
    reply_thread_ts: str | None = None,
) -> None:
    """Summarise a thread the asker may see, and show the summary only to them."""
    try:
        visible = runtime.visibility.visible_to(user_id)
        if channel_id not in visible:
            raise PermissionDeniedError(
                "That thread is in a channel you are not a member of, so I cannot summarise it for you."
            )
        runtime.ensure_thread(channel_id, thread_ts)
        summary = runtime.ctx.summaries.thread(channel_id, thread_ts, visible_channel_ids=visible)
    except AssistantError as exc:
        runtime.ephemeral(reply_in, user_id, exc.message, error_blocks(exc.message), thread_ts=reply_thread_ts)
        return
    team_url = runtime.team_url
    links: dict[str, str] = {}
    if team_url:
        resolved = [summary.resolution] if summary.resolution is not None else []
        points = [
            *resolved,
            *summary.key_points,
            *summary.decisions,
            *summary.open_questions,
            *summary.action_items,
        ]
        for point in points:
            links[point.ts] = message_link(team_url, channel_id, point.ts, thread_ts)
    channel = runtime.directory.channel_names().get(channel_id, channel_id)
    blocks = summary_blocks(summary, links, where=f"#{channel}")
    runtime.ephemeral(reply_in, user_id, summary_text(summary), blocks, thread_ts=reply_thread_ts)


def recap_for(runtime: SlackRuntime, *, user_id: str, channel_id: str, days: int) -> None:
    """Recap the channel the command was typed in, for the asker only."""
    try:
        visible = runtime.visibility.visible_to(user_id)
        now = runtime.ctx.clock()
        recap = runtime.ctx.summaries.recap(
            channel_id, now - timedelta(days=days), now, visible_channel_ids=visible
        )
    except AssistantError as exc:
        runtime.ephemeral(channel_id, user_id, exc.message, error_blocks(exc.message))
        return
    links: dict[str, str] = {}
    if runtime.team_url:
        links = {t.thread_ts: message_link(runtime.team_url, channel_id, t.thread_ts) for t in recap.top_threads}
    runtime.ephemeral(channel_id, user_id, f"Recap of #{recap.channel_name}", recap_blocks(recap, links))

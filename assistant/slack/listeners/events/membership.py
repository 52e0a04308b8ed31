"""``member_joined_channel`` / ``member_left_channel`` -> membership in the archive (which also decides who
moderates: members of the moderators' channel); when the assistant itself is invited, it reads the channel's
history in the background (backfill) so answers and metrics cover the past too."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from assistant.domain.workspace import ts_to_datetime
from assistant.errors import AssistantError
from assistant.slack.runtime import SlackRuntime

logger = logging.getLogger(__name__)


def register(app: App, runtime: SlackRuntime) -> None:
    def on_joined(event: dict[str, Any]) -> None:
        record_join(runtime, event)

    def on_left(event: dict[str, Any]) -> None:
        record_leave(runtime, event)

    app.event("member_joined_channel")(on_joined)
    app.event("member_left_channel")(on_left)


def record_join(runtime: SlackRuntime, event: dict[str, Any]) -> None:
    channel_id, user_id = str(event.get("channel") or ""), str(event.get("user") or "")
    if not channel_id or not user_id:
        return
    try:
        at = ts_to_datetime(str(event["event_ts"])) if event.get("event_ts") else None
    except ValueError:
        at = None
    try:
        if user_id == runtime.bot_user_id:
            runtime.directory.refresh_channel(channel_id)
            runtime.visibility.forget()
            runtime.background.submit(_backfill, runtime, channel_id)
        else:
            runtime.directory.channel(channel_id)
            runtime.directory.ensure_member(user_id)
            runtime.visibility.forget(user_id)
        runtime.ctx.archive.add_membership(channel_id, user_id, at)
    except AssistantError as exc:
        logger.error("join of %s to %s not recorded: %s", user_id, channel_id, exc)


def record_leave(runtime: SlackRuntime, event: dict[str, Any]) -> None:
    """A member who leaves the moderators' channel stops being a moderator at once."""
    channel_id, user_id = str(event.get("channel") or ""), str(event.get("user") or "")
    if not channel_id or not user_id:
        return
    try:
        runtime.ctx.archive.remove_membership(channel_id, user_id)
        runtime.visibility.forget(user_id)
    except AssistantError as exc:
        logger.error("leave of %s from %s not recorded: %s", user_id, channel_id, exc)


def _backfill(runtime: SlackRuntime, channel_id: str) -> None:
    try:
        report = runtime.backfiller.channel(channel_id)
        logger.info("invited to %s: backfilled %d messages", channel_id, report.messages)
    except AssistantError as exc:
        logger.error("backfill of %s stopped (it resumes next time): %s", channel_id, exc)
    except Exception:
        logger.exception("backfill of %s failed", channel_id)

"""Shortcuts: the “Summarize thread” and “Mark as false claim” message shortcuts."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from assistant.slack.listeners.commands.summarize import summarize_for
from assistant.slack.listeners.shortcuts import claims
from assistant.slack.runtime import SlackRuntime

SUMMARIZE_THREAD = "summarize_thread"


def register(app: App, runtime: SlackRuntime) -> None:
    def on_summarize_thread(ack: Ack, shortcut: dict[str, Any]) -> None:
        ack()
        channel_id = str((shortcut.get("channel") or {}).get("id") or "")
        message = shortcut.get("message") or {}
        user_id = str((shortcut.get("user") or {}).get("id") or "")
        thread_ts = str(message.get("thread_ts") or message.get("ts") or "")
        if not channel_id or not user_id or not thread_ts:
            return
        summarize_for(
            runtime,
            user_id=user_id,
            reply_in=channel_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            reply_thread_ts=thread_ts,
        )

    app.shortcut(SUMMARIZE_THREAD)(on_summarize_thread)
    claims.register(app, runtime)

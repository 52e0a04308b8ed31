"""Slash commands: ``/summarize``, ``/ask`` and the moderators' ``/community``."""

from __future__ import annotations

from slack_bolt import App

from assistant.slack.listeners.commands import ask, community, summarize
from assistant.slack.runtime import SlackRuntime


def register(app: App, runtime: SlackRuntime) -> None:
    summarize.register(app, runtime)
    ask.register(app, runtime)
    community.register(app, runtime)

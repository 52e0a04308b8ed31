"""Slash commands: ``/summarize``, ``/ask``, the moderators' ``/community`` and the managers' ``/survey``."""

from __future__ import annotations

from slack_bolt import App

from assistant.slack.listeners.commands import ask, community, summarize, survey
from assistant.slack.runtime import SlackRuntime


def register(app: App, runtime: SlackRuntime) -> None:
    summarize.register(app, runtime)
    ask.register(app, runtime)
    community.register(app, runtime)
    survey.register(app, runtime)

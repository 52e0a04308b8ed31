"""Block actions: the moderation buttons on alerts, members answering surveys, posting a milestone's celebration."""

from __future__ import annotations

from slack_bolt import App

from assistant.slack.listeners.actions import milestones, moderation, survey
from assistant.slack.runtime import SlackRuntime


def register(app: App, runtime: SlackRuntime) -> None:
    moderation.register(app, runtime)
    survey.register(app, runtime)
    milestones.register(app, runtime)

"""Events API listeners: messages, mentions, reactions, channel membership and the Home tab."""

from __future__ import annotations

from slack_bolt import App

from assistant.slack.listeners.events import home, membership, mentions, messages, reactions
from assistant.slack.runtime import SlackRuntime


def register(app: App, runtime: SlackRuntime) -> None:
    messages.register(app, runtime)
    mentions.register(app, runtime)
    reactions.register(app, runtime)
    membership.register(app, runtime)
    home.register(app, runtime)

"""Listeners, one package per kind (events, commands, shortcuts, actions) plus the assistant thread (Slack's
AI-app surface), each with ``register(app, runtime)``.

A listener parses the payload, calls a core service and renders the result; it computes nothing itself.
"""

from __future__ import annotations

from slack_bolt import App

from assistant.slack.listeners import actions, assistant_thread, commands, events, shortcuts
from assistant.slack.runtime import SlackRuntime


def register_listeners(app: App, runtime: SlackRuntime) -> None:
    events.register(app, runtime)
    commands.register(app, runtime)
    shortcuts.register(app, runtime)
    actions.register(app, runtime)
    assistant_thread.register(app, runtime)

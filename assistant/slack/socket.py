"""Socket Mode: the app opens a WebSocket to Slack (``apps.connections.open`` with ``SLACK_APP_TOKEN``), so it
needs no public URL. The Web API base URL still comes from ``SLACK_API_URL``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from threading import Event

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.errors import ConfigError
from assistant.slack.web import explain

logger = logging.getLogger(__name__)


def check_app_token(app_token: str | None) -> str:
    """The app-level token, or a ``ConfigError`` saying how to get one."""
    if not app_token or not app_token.strip():
        raise ConfigError(
            "SLACK_APP_TOKEN is not set; create an app-level token with connections:write "
            "(Basic Information → App-Level Tokens), or run with --http."
        )
    if not app_token.strip().startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-.")
    return app_token.strip()


def make_handler(app: App, app_token: str | None) -> SocketModeHandler:
    return SocketModeHandler(app, app_token=check_app_token(app_token), web_client=app.client)


def connect(handler: SocketModeHandler) -> None:
    """Open the connection (raises a ``ConfigError`` with a sentence when Slack refuses the token)."""
    try:
        handler.connect()
    except SdkApiError as exc:
        raise ConfigError(f"Socket Mode could not start: {explain(exc)} (check SLACK_APP_TOKEN).") from None


def serve_socket(app: App, app_token: str | None, on_connected: Callable[[], None] | None = None) -> None:
    """Connect, then block until interrupted."""
    handler = make_handler(app, app_token)
    connect(handler)
    if on_connected is not None:
        on_connected()
    try:
        Event().wait()
    finally:
        handler.close()

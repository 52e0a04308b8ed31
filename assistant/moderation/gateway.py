"""The side effects moderation needs from Slack, as a protocol the Slack adapter implements.

Core code never imports slack_sdk; without a gateway (CLI, demo) actions that need one say so instead of
pretending to have happened.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class ModerationGateway(Protocol):
    def send_warning(self, user_id: str, text: str) -> None:
        """Send ``text`` to ``user_id`` as a private message."""

    def remove_message(self, channel_id: str, ts: str) -> None:
        """Delete a message; only called when an admin user token is configured."""

    def notify_moderators(self, text: str) -> None:
        """Post ``text`` (which mentions the moderators' group) where moderators will see it."""

    def moderator_group_members(self) -> set[str] | None:
        """Members of the configured moderators' user group, or None when there is none."""

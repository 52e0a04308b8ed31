"""The side effects moderation needs from Slack, as a protocol the Slack adapter implements.

Core code never imports slack_sdk; without a gateway (CLI, demo) actions that need one say so instead of
pretending to have happened. Nor does it write Slack markup: the text it writes for the chat names people
through ``Mentions``, which the Slack app supplies (``assistant.slack.blocks.mentions``).
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


class Mentions(Protocol):
    """How text written for the chat names a member or the moderators' group."""

    def user(self, user_id: str) -> str:
        """A mention of ``user_id``."""

    def moderators(self, group_id: str | None) -> str:
        """A mention of the moderators' user group ``group_id`` (or of the moderators, without one)."""


class PlainMentions:
    """Plain ``@`` handles, for text without a chat adapter (CLI, demo, tests)."""

    def user(self, user_id: str) -> str:
        return f"@{user_id}"

    def moderators(self, group_id: str | None) -> str:
        return "@moderators"

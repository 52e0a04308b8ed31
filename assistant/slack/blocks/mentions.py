"""Slack's mention markup, written in one place: a member (``<@U…>``), a channel (``<#C…>``) and a user group
(``<!subteam^S…>``). The core names people by id; ``SlackMentions`` is how moderation's texts mention them."""

from __future__ import annotations


def user_mention(user_id: str) -> str:
    return f"<@{user_id}>"


def channel_mention(channel_id: str) -> str:
    return f"<#{channel_id}>"


def group_mention(group_id: str) -> str:
    return f"<!subteam^{group_id}>"


class SlackMentions:
    """Implements ``assistant.moderation.gateway.Mentions`` with Slack markup."""

    def user(self, user_id: str) -> str:
        return user_mention(user_id)

    def moderators(self, group_id: str | None) -> str:
        """The moderators' user group, or a plain "@moderators" when none is configured."""
        return group_mention(group_id) if group_id else "@moderators"

"""Slack's mention markup, written and read in one place: a member (``<@U…>``), a channel (``<#C…>``) and a
user group (``<!subteam^S…>``). The core names people by id; ``SlackMentions`` is how moderation's texts mention
them. Renderers write markup only through these helpers; listeners read it only through the patterns here."""

from __future__ import annotations

import re
from typing import TypeGuard

from assistant.slack.blocks.common import escape

#: A member's mention as Slack sends it (``<@U…>`` or ``<@U…|name>``; ``W…`` for Enterprise Grid members).
USER_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
#: A channel's mention as Slack sends it in a command's text (``<#C…>`` or ``<#C…|name>``).
CHANNEL_MENTION = re.compile(r"<#[CG][A-Z0-9]+(?:\|[^>]*)?>")
#: A public (``C…``) or private (``G…``) channel's id, as opposed to its name.
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


def user_mention(user_id: str) -> str:
    return f"<@{user_id}>"


def channel_mention(channel_id: str) -> str:
    return f"<#{channel_id}>"


def group_mention(group_id: str) -> str:
    return f"<!subteam^{group_id}>"


def is_member_id(user: str | None) -> TypeGuard[str]:
    """A Slack member id (``U…``), as opposed to an imported author's display name."""
    return user is not None and user.startswith("U")


def person(user: str) -> str:
    """A member id as a mention; anything else (an imported author's name) as inert text."""
    return user_mention(user) if is_member_id(user) else escape(user)


def channel_ref(channel: str) -> str:
    """A channel id as a channel link; a channel's name as inert ``#name``."""
    return channel_mention(channel) if _CHANNEL_ID.match(channel) else f"#{escape(channel)}"


def mentioned_channel(ref: str) -> str | None:
    """The channel id in ``<#C…>`` or ``<#C…|name>`` (leading ``#`` and spaces ignored); None when ``ref`` is
    not channel markup."""
    ref = ref.strip().lstrip("#")
    if not ref.startswith("<#"):
        return None
    return ref.removeprefix("<#").split("|")[0].rstrip(">")


class SlackMentions:
    """Implements ``assistant.moderation.gateway.Mentions`` with Slack markup."""

    def user(self, user_id: str) -> str:
        return user_mention(user_id)

    def moderators(self, group_id: str | None) -> str:
        """The moderators' user group, or a plain "@moderators" when none is configured."""
        return group_mention(group_id) if group_id else "@moderators"

"""What every moderation service shares: the archive, the settings, the clock, the Slack side (gateway and how
to mention people, once the Slack app attaches them), one lock, and who may act.

Services read ``settings`` and ``gateway`` from here at call time, so a changed setting or a gateway attached
later reaches all of them.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.clock import Clock
from assistant.config import Settings
from assistant.errors import NotFoundError
from assistant.moderation.gateway import Mentions, ModerationGateway, PlainMentions
from assistant.moderation.models import WORKSPACE
from assistant.store import Archive

if TYPE_CHECKING:
    from assistant.moderation.policy import PolicyStore
    from assistant.moderation.vectors import FlagVectors
    from assistant.store.moderation import ModerationStore

logger = logging.getLogger(__name__)

#: Actors that are the operator or the assistant itself (CLI on the host, calibration), not Slack users.
OPERATOR_PREFIXES = ("cli:", "assistant:")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


@dataclass
class ModerationScope:
    archive: Archive
    settings: Settings
    clock: Clock
    gateway: ModerationGateway | None = None
    #: renders a member or the moderators' group in text meant for the chat (``Mentions``)
    mentions: Mentions = field(default_factory=PlainMentions)
    #: one flagging, action or policy change at a time in this process
    lock: threading.RLock = field(default_factory=threading.RLock)

    # Who may act --------------------------------------------------------------------------------------------
    def moderators(self) -> set[str]:
        """Configured moderators, the moderators' group (via the gateway) and the moderators' channel members."""
        found = set(self.settings.moderators)
        if self.gateway is not None:
            found |= self.gateway.moderator_group_members() or set()
        ref = self.settings.moderators_channel or "moderators"
        try:
            channel = self.archive.channel(ref)
        except NotFoundError:
            if self.settings.moderators_channel:
                logger.warning("MODERATORS_CHANNEL %r is not in the archive", ref)
            return found
        return found | {user for _, user, _ in self.archive.memberships(channel.id)}

    def is_moderator(self, user_id: str | None) -> bool:
        return bool(user_id) and user_id in self.moderators()

    def may_change_policy(self, actor_id: str) -> bool:
        return actor_id.startswith(OPERATOR_PREFIXES) or self.is_moderator(actor_id)

    # Channels -----------------------------------------------------------------------------------------------
    def channel_key(self, channel_ref: str | None) -> tuple[str, str | None]:
        """(channel id, name) of an id, name or #name; ``WORKSPACE`` for none, ``*`` or ``all``."""
        if channel_ref is None or channel_ref.strip() in ("", WORKSPACE, "all"):
            return WORKSPACE, None
        try:
            channel = self.archive.channel(channel_ref)
        except NotFoundError:
            if _CHANNEL_ID.match(channel_ref.strip()):
                return channel_ref.strip(), None
            raise
        return channel.id, channel.name

    def channel_id(self, channel_ref: str | None) -> str | None:
        """The channel id of a reference, or None for no reference (every channel)."""
        return self.channel_key(channel_ref)[0] if channel_ref else None

    def channel_names(self) -> dict[str, str]:
        return self.archive.channel_names()


@dataclass(frozen=True)
class FlagSources:
    """What flagging and replay both read: the shared scope, the flags' store, the channels' policies and the
    message vectors (the index and the clauses, on first use)."""

    scope: ModerationScope
    store: ModerationStore
    policies: PolicyStore
    vectors: FlagVectors

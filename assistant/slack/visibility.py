"""Who sees what: answers and summaries draw only on channels the asker (and, for a public reply, everyone
who will read it) can see, so private-channel content never reaches someone outside that channel.

Direct messages and group DMs (stored only when an operator opts in at import) are never public: each is seen
only by its own members, as the archive records them; Slack's ``users.conversations`` is not asked about them.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.slack.web import error_code
from assistant.store import Archive

logger = logging.getLogger(__name__)


class Visibility:
    """Channel visibility per user from ``users.conversations``, cached for ``ttl`` seconds."""

    def __init__(self, client: WebClient, archive: Archive, *, ttl: float = 60.0) -> None:
        self.client = client
        self.archive = archive
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    def public_channel_ids(self) -> set[str]:
        return {c.id for c in self.archive.channels() if not c.is_private and c.kind == "channel"}

    def member_of(self, user_id: str) -> frozenset[str]:
        """Channels (public and private) ``user_id`` belongs to; empty when Slack cannot tell us."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(user_id)
            if cached and now - cached[0] < self.ttl:
                return cached[1]
        ids: set[str] = set()
        try:
            for page in self.client.users_conversations(
                user=user_id, types="public_channel,private_channel", exclude_archived=False, limit=200
            ):
                ids.update(str(c["id"]) for c in page.get("channels", []))
        except SdkApiError as exc:
            # Fail closed: without Slack's word, the asker sees public channels only.
            logger.warning(
                "users.conversations for %s failed (%s); private channels hidden", user_id, error_code(exc)
            )
            return frozenset()
        except OSError as exc:
            logger.warning(
                "Slack unreachable for users.conversations (%s); private channels hidden", type(exc).__name__
            )
            return frozenset()
        result = frozenset(ids)
        with self._lock:
            self._cache[user_id] = (now, result)
        return result

    def visible_to(self, user_id: str) -> set[str]:
        """Every public channel, the private channels the user is a member of, and their own DMs (as the export
        listed their members: Slack is not asked about DMs). One read of the archive's channels."""
        ids = set(self.member_of(user_id))
        for c in self.archive.channels():
            if (c.kind == "channel" and not c.is_private) or (c.kind != "channel" and user_id in c.members):
                ids.add(c.id)
        return ids

    def visible_in_reply(self, user_id: str, channel_id: str) -> set[str]:
        """For an answer posted in ``channel_id`` (seen by all its members): public channels the asker sees,
        plus ``channel_id`` itself; never another private channel, whose members differ."""
        public = self.public_channel_ids()
        allowed = set(public)
        if channel_id in self.member_of(user_id) or channel_id in public:
            allowed.add(channel_id)
        return allowed

    def forget(self, user_id: str | None = None) -> None:
        with self._lock:
            if user_id is None:
                self._cache.clear()
            else:
                self._cache.pop(user_id, None)

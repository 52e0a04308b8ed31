"""Who and where: channels and members looked up once through the Web API, kept in the archive.

Live events carry only ids; judging, answers and the Home tab need names and whether a channel is private.
"""

from __future__ import annotations

import logging
import re
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.domain import Channel
from assistant.errors import NotFoundError
from assistant.slack.blocks.mentions import mentioned_channel
from assistant.slack.convert import channel_from_info, member_from_info
from assistant.slack.web import error_code, to_error
from assistant.store import Archive

logger = logging.getLogger(__name__)

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


class Directory:
    """Channel and member lookups cached in memory and persisted in the archive."""

    def __init__(self, client: WebClient, archive: Archive) -> None:
        self.client = client
        self.archive = archive
        self._lock = threading.Lock()
        self._channels: dict[str, Channel] = {c.id: c for c in archive.channels()}
        self._users: dict[str, str] = archive.member_names()

    # Channels ---------------------------------------------------------------------------------------------------
    def channel(self, channel_id: str) -> Channel:
        """The channel, fetched with ``conversations.info`` the first time it is seen."""
        with self._lock:
            known = self._channels.get(channel_id)
        if known is not None:
            return known
        try:
            info = self.client.conversations_info(channel=channel_id)["channel"]
        except SdkApiError as exc:
            raise to_error(exc, f"looking up channel {channel_id}") from exc
        channel = channel_from_info(info)
        self.archive.upsert_channels([channel])
        with self._lock:
            self._channels[channel.id] = channel
        return channel

    def refresh_channel(self, channel_id: str) -> Channel:
        with self._lock:
            self._channels.pop(channel_id, None)
        return self.channel(channel_id)

    def channel_names(self) -> dict[str, str]:
        with self._lock:
            return {cid: c.name for cid, c in self._channels.items()}

    def resolve_channel(self, ref: str) -> str:
        """A channel id from an id, ``name`` or ``#name`` (archive first, then the bot's own channels)."""
        mentioned = mentioned_channel(ref)
        wanted = mentioned if mentioned is not None else ref.strip().lstrip("#")
        if _CHANNEL_ID.match(wanted):
            return wanted
        try:
            return self.archive.channel(wanted).id
        except NotFoundError:
            pass
        for channel in self.bot_channels():
            if channel.name == wanted:
                return channel.id
        raise NotFoundError(f"No channel called #{wanted} is visible to the assistant; invite it there first.")

    def bot_channels(self) -> list[Channel]:
        """Channels the assistant is a member of (``users.conversations`` for the bot, paginated)."""
        out: list[Channel] = []
        try:
            for page in self.client.users_conversations(
                types="public_channel,private_channel", exclude_archived=True, limit=200
            ):
                out.extend(channel_from_info(c) for c in page.get("channels", []))
        except SdkApiError as exc:
            raise to_error(exc, "listing the assistant's channels") from exc
        if out:
            self.archive.upsert_channels(out)
            with self._lock:
                self._channels.update({c.id: c for c in out})
        return out

    # Members ----------------------------------------------------------------------------------------------------
    def user_names(self) -> dict[str, str]:
        with self._lock:
            return dict(self._users)

    def ensure_member(self, user_id: str | None) -> None:
        """Fetch and store a member the first time they appear, so their name resolves in text and answers."""
        if not user_id:
            return
        with self._lock:
            if user_id in self._users:
                return
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SdkApiError as exc:
            logger.info("users.info for %s failed: %s", user_id, error_code(exc))
            with self._lock:
                self._users[user_id] = user_id
            return
        except OSError as exc:  # Slack unreachable: shown by id for now, looked up again next time
            logger.info("users.info for %s failed: %s", user_id, type(exc).__name__)
            return
        member = member_from_info(user)
        self.archive.upsert_members([member])
        with self._lock:
            self._users[member.id] = member.label

"""The moderation gateway over the Web API: warnings by DM, removals with the admin token, notices to the
moderators' channel, and the moderators' user group. Failures become sentences the moderator sees."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.errors import ConfigError
from assistant.slack.web import to_error

logger = logging.getLogger(__name__)


class SlackModerationGateway:
    """Implements ``assistant.moderation.gateway.ModerationGateway`` with slack-sdk's WebClient."""

    def __init__(
        self,
        client: WebClient,
        *,
        admin_client: WebClient | None,
        moderators_channel: Callable[[], str | None],
        moderators_group: str | None,
        cache_seconds: float = 60.0,
    ) -> None:
        self.client = client
        self.admin_client = admin_client
        self._moderators_channel = moderators_channel
        self.moderators_group = moderators_group
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._group: tuple[float, set[str]] | None = None

    def send_warning(self, user_id: str, text: str) -> None:
        """A DM from the app (posting to a user id opens the app's conversation with them)."""
        try:
            self.client.chat_postMessage(channel=user_id, text=text, unfurl_links=False, unfurl_media=False)
        except SdkApiError as exc:
            raise to_error(exc, "sending the warning") from exc

    def remove_message(self, channel_id: str, ts: str) -> None:
        if self.admin_client is None:
            raise ConfigError("Removing messages needs SLACK_ADMIN_TOKEN (a workspace admin's user token).")
        try:
            self.admin_client.chat_delete(channel=channel_id, ts=ts)
        except SdkApiError as exc:
            raise to_error(exc, "removing the message") from exc

    def notify_moderators(self, text: str) -> None:
        channel = self._moderators_channel()
        if channel is None:
            raise ConfigError("MODERATORS_CHANNEL is not set, so there is nowhere to notify moderators.")
        try:
            self.client.chat_postMessage(channel=channel, text=text, unfurl_links=False)
        except SdkApiError as exc:
            raise to_error(exc, "notifying the moderators") from exc

    def moderator_group_members(self) -> set[str] | None:
        """Members of ``ASSISTANT_MODERATORS_GROUP`` (``usergroups.users.list``), cached briefly."""
        if not self.moderators_group:
            return None
        with self._lock:
            if self._group and time.monotonic() - self._group[0] < self.cache_seconds:
                return set(self._group[1])
        try:
            users: set[str] = set(
                self.client.usergroups_users_list(usergroup=self.moderators_group).get("users", [])
            )
        except SdkApiError as exc:
            raise to_error(exc, "reading the moderators' user group") from exc
        with self._lock:
            self._group = (time.monotonic(), users)
        return set(users)

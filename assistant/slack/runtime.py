"""Everything a listener needs besides the request: the context, Web API clients, directory, visibility,
backfill, the one lock that serialises judging, and the alert poster. Built once by ``build_app``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError as SdkApiError
from slack_sdk.models.blocks import Block

from assistant.context import Context
from assistant.errors import AssistantError, NotFoundError
from assistant.moderation.models import Alert
from assistant.pipeline import BATCH, ProcessedBatch
from assistant.slack.backfill import Backfiller
from assistant.slack.blocks import as_payload, error_blocks
from assistant.slack.blocks.alerts import alert_blocks, alert_text
from assistant.slack.directory import Directory
from assistant.slack.visibility import Visibility
from assistant.slack.web import error_code, to_error

logger = logging.getLogger(__name__)

ALERT_STATE = "slack-alert:"


@dataclass
class SlackRuntime:
    ctx: Context
    client: WebClient
    directory: Directory
    visibility: Visibility
    backfiller: Backfiller
    bot_user_id: str | None = None
    bot_id: str | None = None
    team_url: str | None = None
    admin_client: WebClient | None = None
    work_lock: threading.Lock = field(default_factory=threading.Lock)
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=2, thread_name_prefix="slack-background")
    )
    _moderators_channel: str | None = None

    # Moderators' channel ----------------------------------------------------------------------------------------
    def moderators_channel(self) -> str | None:
        """``MODERATORS_CHANNEL`` as an id, resolved on first use (the app may be invited after start-up)."""
        if self._moderators_channel:
            return self._moderators_channel
        ref = self.ctx.settings.moderators_channel
        if not ref:
            return None
        try:
            self._moderators_channel = self.directory.resolve_channel(ref)
        except AssistantError as exc:
            logger.warning("MODERATORS_CHANNEL %r cannot be used yet: %s", ref, exc)
            return None
        return self._moderators_channel

    def sync_moderators(self) -> None:
        """Record the moderators' channel and its members in the archive (moderation reads them there)."""
        channel = self.moderators_channel()
        if channel is None:
            return
        try:
            self.directory.channel(channel)
            members: list[str] = []
            for page in self.client.conversations_members(channel=channel, limit=200):
                members.extend(str(u) for u in page.get("members", []))
        except (SdkApiError, AssistantError) as exc:
            message = exc.message if isinstance(exc, AssistantError) else error_code(exc)
            logger.warning("members of the moderators' channel not read: %s", message)
            return
        for user in members:
            self.ctx.archive.add_membership(channel, user, None)

    # Judging ----------------------------------------------------------------------------------------------------
    def after_batch(self, batch: ProcessedBatch, *, post_alerts: bool = True) -> list[Alert]:
        """Moderation's alerts for the batch (judged once, as a pipeline listener), shown to moderators."""
        if not (batch.judgments or batch.removed):
            return []
        alerts = self.ctx.moderation.handle(batch)
        if post_alerts:
            self.post_alerts(alerts)
        return alerts

    def post_alerts(self, alerts: Sequence[Alert]) -> None:
        channel = self.moderators_channel()
        for alert in alerts:
            if channel is None:
                logger.warning("alert %s not posted: MODERATORS_CHANNEL is not set or not found", alert.alert_id)
                continue
            try:
                self.show_alert(alert, channel)
            except AssistantError as exc:
                logger.error("alert %s not posted: %s", alert.alert_id, exc)

    def show_alert(self, alert: Alert, channel: str) -> None:
        """Post a new alert, or update the one already posted for it (grouped flags, decisions)."""
        first_ts = alert.flags[0].ts if alert.flags else None
        link = self.permalink(alert.channel_id, first_ts) if first_ts else None
        blocks = as_payload(alert_blocks(alert, link))
        text = alert_text(alert)
        posted = self.ctx.archive.get_state(ALERT_STATE + str(alert.alert_id))
        try:
            if posted:
                self.client.chat_update(channel=posted["channel"], ts=posted["ts"], text=text, blocks=blocks)
                return
            response = self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            )
        except SdkApiError as exc:
            raise to_error(exc, "posting a moderator alert") from exc
        self.ctx.archive.set_state(
            ALERT_STATE + str(alert.alert_id), {"channel": str(response["channel"]), "ts": str(response["ts"])}
        )

    def remember_alert_message(self, alert_id: int, channel: str, ts: str) -> None:
        self.ctx.archive.set_state(ALERT_STATE + str(alert_id), {"channel": channel, "ts": ts})

    # Replies ----------------------------------------------------------------------------------------------------
    def permalink(self, channel_id: str, ts: str) -> str | None:
        try:
            return str(self.client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"])
        except SdkApiError as exc:
            logger.info("no permalink for %s/%s: %s", channel_id, ts, error_code(exc))
            return None

    def ephemeral(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        blocks: Sequence[Block] | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """Something only ``user_id`` sees; if the app cannot post there, a DM says why."""
        payload: dict[str, Any] = {"channel": channel_id, "user": user_id, "text": text}
        if blocks:
            payload["blocks"] = as_payload(blocks)
        if thread_ts:
            payload["thread_ts"] = thread_ts
        try:
            self.client.chat_postEphemeral(**payload)
        except SdkApiError as exc:
            sentence = to_error(exc, "replying to you").message
            try:
                self.client.chat_postMessage(
                    channel=user_id, text=text, blocks=as_payload([*error_blocks(sentence), *(blocks or [])])
                )
            except SdkApiError as dm_exc:
                logger.error("could not reach %s at all: %s", user_id, error_code(dm_exc))

    def ensure_thread(self, channel_id: str, thread_ts: str) -> None:
        """Make sure a thread is in the archive, fetching it from Slack if it predates the app."""
        try:
            thread = self.ctx.archive.thread(channel_id, thread_ts)
        except NotFoundError:
            thread = None
        if thread is not None and thread.parent.reply_count <= len(thread.messages) - 1:
            return
        self.backfiller.thread(channel_id, thread_ts)

    def catch_up(self) -> int:
        """Encode, judge and index what the archive holds but the index does not (after an encoder upgrade
        emptied the index, or a crash mid-batch), so answers cover history again. Flags are updated, not
        announced: these messages are not new. Runs in the background at start-up, one batch at a time under
        the work lock, so live events are not held up behind a long re-index."""
        done = 0
        while True:
            with self.work_lock:
                step = self.ctx.pipeline.process_pending(limit=BATCH)
            if not step:
                break
            done += step
        if done:
            logger.info("caught up: %d stored messages encoded, judged and indexed", done)
        return done

    def close(self) -> None:
        self.background.shutdown(wait=False, cancel_futures=True)

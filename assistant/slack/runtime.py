"""Everything a listener needs besides the request: the context, Web API clients, directory, visibility,
backfill, the one lock that serialises judging, the event inbox and the alert outbox. Built once by ``build_app``.

Delivery is at-least-once with idempotent effects: an event is recorded in the inbox before Slack gets its ack
and marked done only after its work is written; an alert goes through the outbox until Slack accepts it. When
Slack (or the store) is unreachable, both are retried with backoff by ``redeliver``, which ``serve`` runs in the
background.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError as SdkApiError
from slack_sdk.errors import SlackClientError
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
from assistant.store.health import TRANSIENT_STORE_ERRORS
from assistant.store.queues import Inbox, Outbox

logger = logging.getLogger(__name__)

ALERT_STATE = "slack-alert:"
#: Failures worth retrying later: Slack or the store unreachable (connection refused, DNS, timeouts, a restart).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError, *TRANSIENT_STORE_ERRORS)

#: What a durable event listener does with one event (its ``event`` payload).
EventWork = Callable[[dict[str, Any]], None]


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
    inbox: Inbox | None = None
    outbox: Outbox | None = None
    #: Event type -> its work, for events kept in the inbox until done (see ``durable``).
    durable_work: dict[str, EventWork] = field(default_factory=dict)
    _moderators_channel: str | None = None

    def __post_init__(self) -> None:
        self.inbox = self.inbox or Inbox(self.ctx.archive)
        self.outbox = self.outbox or Outbox(self.ctx.archive)

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

    # Alerts (through the outbox) ------------------------------------------------------------------------------
    def queue_alerts(self, batch: ProcessedBatch) -> None:
        """Pipeline listener after moderation: a live batch's alerts go to the outbox (before the batch is marked
        moderated, so a crash in between re-queues them). Alerts already posted are not queued again as new."""
        if not batch.announce or self.outbox is None:
            return
        for alert in self.ctx.moderation.handle(batch):  # judged once: handle returns the batch's alerts
            if not alert.is_update and self.ctx.archive.get_state(ALERT_STATE + str(alert.alert_id)):
                continue
            self.outbox.queue(alert.alert_id, is_update=alert.is_update)

    def deliver_alerts(self) -> int:
        """Post or update every alert due in the outbox; what Slack does not take is retried later. An alert that
        changed while it was being shown (another replica added a flag to it) is shown again at once."""
        if self.outbox is None:
            return 0
        delivered = 0
        for _round in range(3):  # more changes than that wait for the next look (the redelivery timer)
            changed = False
            for alert_id, is_update in self.outbox.take_due():
                channel = self.moderators_channel()
                if channel is None:
                    logger.warning("alert %s waits: MODERATORS_CHANNEL is not set or not found", alert_id)
                    self.outbox.retry_later(alert_id, "MODERATORS_CHANNEL is not set or not found")
                    continue
                try:
                    self.show_alert(self.ctx.moderation.alert(alert_id, is_update=is_update), channel)
                except NotFoundError:  # its flags were deleted (retention) before it could be shown
                    self.outbox.delivered(alert_id)
                    continue
                except AssistantError as exc:  # e.g. the assistant is not in the channel yet: it can be fixed
                    logger.warning("alert %s not posted yet, will retry: %s", alert_id, exc)
                    self.outbox.retry_later(alert_id, exc.message)
                    continue
                except TRANSIENT_ERRORS as exc:
                    logger.warning(
                        "alert %s not posted yet (Slack unreachable), will retry: %s", alert_id, _reason(exc)
                    )
                    self.outbox.retry_later(alert_id, _reason(exc))
                    continue
                changed |= not self.outbox.delivered(alert_id)
                delivered += 1
            if not changed:
                break
        return delivered

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

    # Durable events (through the inbox) -------------------------------------------------------------------------
    def durable(self, event_type: str, work: EventWork) -> Callable[[dict[str, Any], dict[str, Any]], None]:
        """A Bolt listener for ``event_type`` whose event stays in the inbox until ``work`` finished: a failure
        Slack or the store may recover from is retried with backoff (``redeliver``), never dropped."""
        self.durable_work[event_type] = work

        def listener(event: dict[str, Any], body: dict[str, Any]) -> None:
            self.run_event(str(body.get("event_id") or ""), event)

        return listener

    def run_event(self, event_id: str, event: dict[str, Any]) -> bool:
        """Do an admitted event's work and record the outcome in the inbox; True when it is done."""
        work = self.durable_work.get(str(event.get("type")))
        if work is None:
            return True
        try:
            work(event)
        except TRANSIENT_ERRORS as exc:
            if event_id and self.inbox is not None:
                again = self.inbox.retry_later(event_id, _reason(exc))
                logger.warning(
                    "%s event %s not finished (%s)%s",
                    event.get("type"),
                    event_id,
                    _reason(exc),
                    "; it will be retried" if again else "; retries exhausted",
                )
            return False
        except AssistantError as exc:  # a refusal that will not change by retrying: finished, with the reason
            logger.error("%s event %s not processed: %s", event.get("type"), event_id, exc)
            if event_id and self.inbox is not None:
                self.inbox.finish(event_id, error=exc.message)
            return True
        except Exception as exc:
            logger.error("%s event %s failed unexpectedly (%s)", event.get("type"), event_id, type(exc).__name__)
            if event_id and self.inbox is not None:
                self.inbox.retry_later(event_id, type(exc).__name__)
            return False
        if event_id and self.inbox is not None:
            self.inbox.finish(event_id)
        return True

    def redeliver(self) -> tuple[int, int]:
        """Retry due events from the inbox, then due alerts from the outbox: (events done, alerts delivered)."""
        events = 0
        if self.inbox is not None:
            for event_id, _type, body in self.inbox.due():
                event = body.get("event")
                if not isinstance(event, dict):
                    self.inbox.finish(event_id, error="no event in the recorded body")
                    continue
                if self.inbox.take(event_id) and self.run_event(event_id, event):
                    events += 1
        return events, self.deliver_alerts()

    def remember_alert_message(self, alert_id: int, channel: str, ts: str) -> None:
        self.ctx.archive.set_state(ALERT_STATE + str(alert_id), {"channel": channel, "ts": ts})

    # Replies ----------------------------------------------------------------------------------------------------
    def permalink(self, channel_id: str, ts: str) -> str | None:
        try:
            return str(self.client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"])
        except SdkApiError as exc:
            logger.info("no permalink for %s/%s: %s", channel_id, ts, error_code(exc))
            return None
        except OSError as exc:  # Slack unreachable: the alert still goes out (or waits in the outbox) without it
            logger.info("no permalink for %s/%s: %s", channel_id, ts, type(exc).__name__)
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

    def replace_placeholder(
        self, respond: Respond, channel_id: str, user_id: str, text: str, blocks: Sequence[Block]
    ) -> None:
        """Put ``blocks`` in place of a command's acknowledgement (its private placeholder) through the command's
        ``response_url``; when that URL refuses (expired, used up) or cannot be reached, post them privately
        instead (``ephemeral``), so the reply is never lost."""
        try:
            response = respond(
                text=text, blocks=as_payload(blocks), response_type="ephemeral", replace_original=True
            )
        except (OSError, ValueError, SlackClientError) as exc:  # unreachable, or no response_url at all
            why = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code == 200:
                return
            why = f"HTTP {response.status_code} {str(response.body)[:80]!r}"
        logger.warning("reply to %s could not replace its placeholder (%s); posting it instead", user_id, why)
        self.ephemeral(channel_id, user_id, text, blocks)

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


def _reason(exc: BaseException) -> str:
    """A short cause for the inbox/outbox and the log: the sentence of our errors, else the type."""
    if isinstance(exc, AssistantError):
        return exc.message
    return type(exc).__name__

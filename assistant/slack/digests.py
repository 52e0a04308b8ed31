"""The weekly digest, sent as a DM to each manager in ``ASSISTANT_MANAGERS`` on ``ASSISTANT_DIGEST_WEEKDAY``
from ``ASSISTANT_DIGEST_HOUR_UTC`` on. Each manager's digest covers only channels that manager can see; the ISO
week last sent to each manager is kept in the archive so a restart does not send it twice."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.errors import AssistantError
from assistant.insights.models import Digest
from assistant.slack.blocks import as_payload
from assistant.slack.blocks.digest import digest_blocks, digest_text
from assistant.slack.periodic import PeriodicJob
from assistant.slack.runtime import SlackRuntime
from assistant.slack.web import to_error

logger = logging.getLogger(__name__)

DIGEST_STATE = "slack-digest:"
#: Key of one replica's claim to send one manager one week's digest (``claim_once``: exactly one replica wins).
DIGEST_CLAIM = "slack-digest-claim:"
#: A claim older than this whose digest was never recorded as sent (its replica died mid-send) may be taken again.
CLAIM_LEASE = timedelta(minutes=30)
#: How often the timer looks at the clock; the digest goes out within this long after the configured hour.
CHECK_INTERVAL = 10 * 60.0


def iso_week(at: datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


class DigestTimer(PeriodicJob):
    """Checks every ``interval`` seconds whether this week's digests are due, and sends those not yet sent."""

    job_name = "weekly digests"

    def __init__(self, runtime: SlackRuntime, interval: float = CHECK_INTERVAL) -> None:
        self.runtime = runtime
        self.ctx = runtime.ctx
        super().__init__(interval)

    def start(self) -> None:
        if self.ctx.settings.managers:
            super().start()

    def due(self, now: datetime) -> bool:
        """On the configured weekday, from the configured hour (UTC) to midnight."""
        settings = self.ctx.settings
        return now.weekday() == settings.digest_weekday and now.hour >= settings.digest_hour_utc

    def run_once(self, now: datetime | None = None) -> int:
        """Send this week's digest to every manager who has not had it yet; returns how many were sent."""
        now = (now or self.ctx.clock()).astimezone(UTC)
        managers = self.ctx.settings.managers
        if not managers or not self.due(now):
            return 0
        week = iso_week(now)
        sent = 0
        archive = self.ctx.archive
        for manager in managers:
            state = archive.get_state(DIGEST_STATE + manager)
            if state and state.get("week") == week:
                continue
            claim = f"{DIGEST_CLAIM}{manager}:{week}"
            if not self._claim(claim, now):
                continue  # another replica is sending it (or sent it a moment ago)
            try:
                self.send(manager, self.build(manager, now))
            except AssistantError as exc:
                logger.error("weekly digest for %s not sent: %s", manager, exc)
                archive.forget_state(claim)  # the next tick (of any replica) tries again
                continue
            archive.set_state(DIGEST_STATE + manager, {"week": week, "sent_at": now.isoformat()})
            sent += 1
        return sent

    def _claim(self, key: str, now: datetime) -> bool:
        """Take the right to send one digest, atomically across replicas sharing the archive. A claim left by a
        replica that died before recording the send expires after ``CLAIM_LEASE``, so the digest still goes out."""
        archive = self.ctx.archive
        if not archive.claim_once(key):
            held = archive.get_state(key) or {}
            try:
                since = datetime.fromisoformat(str(held.get("claimed_at")))
            except ValueError:
                return False  # claimed this instant by another replica, which is writing its time now
            if now - since.astimezone(UTC) < CLAIM_LEASE:
                return False
            archive.forget_state(key)
            if not archive.claim_once(key):
                return False  # another replica took the expired claim first
        archive.set_state(key, {"claimed_at": now.isoformat()})
        return True

    def build(self, manager: str, now: datetime) -> Digest:
        """The manager's digest over the channels they can see now: the ones they are in, else all of them."""
        visibility = self.runtime.visibility
        visibility.forget(manager)  # a week-old membership cache would be wrong; ask Slack afresh
        visible = visibility.visible_to(manager)
        insights = self.ctx.insights
        digest = insights.digest(manager_id=manager, at=now, visible_channel_ids=visible)
        if not digest.channels:
            digest = insights.digest(at=now, visible_channel_ids=visible)
            digest.manager_id = manager
        return digest

    def send(self, manager: str, digest: Digest) -> None:
        """Open a DM with the manager and post the digest there; a refusal becomes a ``SlackApiError``."""
        client = self.runtime.client
        try:
            opened = client.conversations_open(users=manager)
            channel = str(opened["channel"]["id"])
            client.chat_postMessage(
                channel=channel,
                text=digest_text(digest),
                blocks=as_payload(digest_blocks(digest)),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SdkApiError as exc:
            raise to_error(exc, "sending the weekly digest") from exc

"""The weekly digest, sent as a DM to each manager in ``ASSISTANT_MANAGERS`` on ``ASSISTANT_DIGEST_WEEKDAY``
from ``ASSISTANT_DIGEST_HOUR_UTC`` on. Each manager's digest covers only channels that manager can see; the ISO
week last sent to each manager is kept in the archive so a restart does not send it twice."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

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
        for manager in managers:
            state = self.ctx.archive.get_state(DIGEST_STATE + manager)
            if state and state.get("week") == week:
                continue
            try:
                self.send(manager, self.build(manager, now))
            except AssistantError as exc:
                logger.error("weekly digest for %s not sent: %s", manager, exc)
                continue
            self.ctx.archive.set_state(DIGEST_STATE + manager, {"week": week, "sent_at": now.isoformat()})
            sent += 1
        return sent

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

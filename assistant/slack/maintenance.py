"""Daily upkeep while the app runs: retention (really deleting old messages from the archive and the index, see
``assistant.retention``), the index's log sweep, and forgetting event ids kept to deduplicate Slack's retries."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from assistant.context import Context
from assistant.retention import sweep_index
from assistant.slack.app import EVENT_CLAIM_PREFIX
from assistant.slack.periodic import PeriodicJob
from assistant.store.queues import Inbox

logger = logging.getLogger(__name__)

DAY = 24 * 60 * 60.0
#: How long an event id is remembered; Slack retries a delivery within minutes.
EVENT_CLAIM_DAYS = 2


class RetentionTimer(PeriodicJob):
    """Applies ``ASSISTANT_RETENTION_DAYS`` (when set) and forgets old event ids, at start-up and then every
    ``interval`` seconds."""

    job_name = "retention"

    def __init__(self, ctx: Context, lock: threading.Lock, interval: float = DAY) -> None:
        self.ctx = ctx
        self.lock = lock
        super().__init__(interval)

    def run_once(self) -> int:
        """Delete old messages (archive and index) and old moderation records (flags quote messages)."""
        # Event ids are stamped with the wall clock when claimed (the archive's), so they are forgotten by it too;
        # retention itself asks the context's clock.
        cutoff = datetime.now(UTC) - timedelta(days=EVENT_CLAIM_DAYS)
        with self.lock:
            self.ctx.archive.forget_claims(EVENT_CLAIM_PREFIX, cutoff)
            Inbox(self.ctx.archive).forget_done(cutoff)  # finished events; unfinished ones stay until done
        if not self.ctx.settings.retention_days:
            with self.lock:  # members' deletions: log rows a purge left, a vacuum deferred on a large index
                sweep_index(self.ctx.index)
            return 0
        with self.lock:
            deleted = self.ctx.apply_retention()
        if deleted:
            logger.warning(
                "retention: deleted %d messages older than %s days", deleted, self.ctx.settings.retention_days
            )
        return deleted

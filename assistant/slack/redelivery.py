"""The background retry of the inbox and the outbox while the app runs: events whose work failed because Slack
or the store was unreachable, and alerts Slack has not accepted yet, are tried again when their backoff passes."""

from __future__ import annotations

import logging

from assistant.slack.periodic import PeriodicJob
from assistant.slack.runtime import SlackRuntime

logger = logging.getLogger(__name__)

#: Seconds between looks at the queues (each item also waits its own backoff).
INTERVAL = 5.0


class RedeliveryTimer(PeriodicJob):
    job_name = "redelivery"

    def __init__(self, runtime: SlackRuntime, interval: float = INTERVAL) -> None:
        self.runtime = runtime
        super().__init__(interval)

    def run_once(self) -> int:
        events, alerts = self.runtime.redeliver()
        if events or alerts:
            logger.info("redelivered %d events and %d alerts", events, alerts)
        return events + alerts

"""Daily upkeep while the app runs: retention (really deleting old messages from the archive and the index)."""

from __future__ import annotations

import logging
import threading

from assistant.context import Context
from assistant.errors import AssistantError

logger = logging.getLogger(__name__)

DAY = 24 * 60 * 60.0


class RetentionTimer:
    """Applies ``ASSISTANT_RETENTION_DAYS`` at start-up and then every ``interval`` seconds."""

    def __init__(self, ctx: Context, lock: threading.Lock, interval: float = DAY) -> None:
        self.ctx = ctx
        self.lock = lock
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)

    def start(self) -> None:
        if self.ctx.settings.retention_days:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def run_once(self) -> int:
        """Delete old messages (archive and index) and old moderation records (flags quote messages)."""
        days = self.ctx.settings.retention_days
        if not days:
            return 0
        with self.lock:
            deleted = self.ctx.apply_retention()
        if deleted:
            logger.warning(
                "retention: deleted %d messages older than %s days", deleted, self.ctx.settings.retention_days
            )
        return deleted

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except AssistantError as exc:
                logger.error("retention failed: %s", exc)
            self._stop.wait(self.interval)

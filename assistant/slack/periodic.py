"""A background job run at start-up and then every ``interval`` seconds, until stopped (retention, digests)."""

from __future__ import annotations

import logging
import threading

from assistant.errors import AssistantError

logger = logging.getLogger(__name__)


class PeriodicJob:
    """Subclasses implement ``run_once``; a failed run is logged and the next one still happens."""

    #: names the thread and the log lines
    job_name = "job"

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.job_name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def run_once(self) -> int:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except AssistantError as exc:
                logger.error("%s failed: %s", self.job_name, exc)
            except Exception:  # keep the timer alive whatever one run met
                logger.exception("%s failed unexpectedly", self.job_name)
            self._stop.wait(self.interval)

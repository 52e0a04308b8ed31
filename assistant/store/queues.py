"""Durable queues in the archive: the inbox of events to work on and the outbox of alerts to deliver.

Both give at-least-once processing with idempotent effects. An item is recorded before anyone relies on it, taken
under a lease so two workers (threads or processes) never work on it at once, and marked done only after its
effects are written; a failure puts it back with exponential backoff. Time is epoch seconds from an injectable
``now`` (leases and backoff are durations, not calendar days).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from assistant.store.archive import Archive
from assistant.store.schema import InboxRow, OutboxRow
from assistant.store.sql import insert_for

logger = logging.getLogger(__name__)

Now = Callable[[], float]


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: ``first`` seconds, doubling, at most ``cap``; give up after ``max_attempts``."""

    first: float = 2.0
    cap: float = 300.0
    max_attempts: int = 60  # about four hours of retries at the cap

    def delay(self, attempts: int) -> float:
        return float(min(self.cap, self.first * 2 ** max(0, attempts - 1)))


def _insert_ignore(session: Session, row: type[Any], values: dict[str, Any]) -> None:
    """``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL (atomic: no read-then-write race)."""
    session.execute(insert_for(session.get_bind().dialect.name, row).values(**values).on_conflict_do_nothing())


def _moment(now: float) -> datetime:
    return datetime.fromtimestamp(now, tz=UTC)


class Inbox:
    """Slack events recorded before they are acknowledged, then worked from here until done."""

    def __init__(
        self, archive: Archive, *, lease_seconds: float = 120.0, backoff: Backoff = Backoff(), now: Now = time.time
    ) -> None:
        self.archive = archive
        self.lease_seconds = lease_seconds
        self.backoff = backoff
        self.now = now

    def admit(self, event_id: str, event_type: str, body: dict[str, Any]) -> bool:
        """Record the event if it is new, and take it for processing. False when it already finished (a
        duplicate delivery) or another worker holds it right now; a retry of an unfinished event is admitted."""
        now = self.now()
        with self.archive._session() as s, s.begin():
            _insert_ignore(
                s,
                InboxRow,
                {
                    "event_id": event_id,
                    "event_type": event_type[:64],
                    "body": body,
                    "received_at": _moment(now),
                    "attempts": 0,
                    "next_attempt_at": 0.0,
                    "lease_until": 0.0,
                    "last_error": "",
                },
            )
            return self._lease(s, event_id, now)

    def take(self, event_id: str) -> bool:
        """Take a recorded, unfinished event for a retry (False if it finished or is held)."""
        with self.archive._session() as s, s.begin():
            return self._lease(s, event_id, self.now())

    def _lease(self, s: Session, event_id: str, now: float) -> bool:
        result = s.execute(
            update(InboxRow)
            .where(InboxRow.event_id == event_id, InboxRow.done_at.is_(None), InboxRow.lease_until <= now)
            .values(lease_until=now + self.lease_seconds, attempts=InboxRow.attempts + 1)
        )
        return bool(getattr(result, "rowcount", 0))

    def finish(self, event_id: str, error: str = "") -> None:
        """Done: its effects are written (or it can never succeed; ``error`` then says why)."""
        now = self.now()
        with self.archive._session() as s, s.begin():
            s.execute(
                update(InboxRow)
                .where(InboxRow.event_id == event_id)
                # The body (message text) is not kept once the work is done: the id alone deduplicates retries.
                .values(done_at=_moment(now), lease_until=0.0, last_error=error[:2000], body={})
            )

    def retry_later(self, event_id: str, error: str) -> bool:
        """Put the event back with backoff; False (and finished, with the error) once attempts run out."""
        now = self.now()
        with self.archive._session() as s, s.begin():
            row = s.get(InboxRow, event_id)
            if row is None or row.done_at is not None:
                return False
            if row.attempts >= self.backoff.max_attempts:
                logger.error("event %s given up after %d attempts: %s", event_id, row.attempts, error)
                row.done_at = _moment(now)
                row.lease_until = 0.0
                row.last_error = f"gave up after {row.attempts} attempts: {error}"[:2000]
                return False
            row.next_attempt_at = now + self.backoff.delay(row.attempts)
            row.lease_until = 0.0
            row.last_error = error[:2000]
            return True

    def due(self, limit: int = 50) -> list[tuple[str, str, dict[str, Any]]]:
        """Unfinished events whose backoff has passed and that nobody holds: (event id, type, body)."""
        now = self.now()
        q = (
            select(InboxRow.event_id, InboxRow.event_type, InboxRow.body)
            .where(InboxRow.done_at.is_(None), InboxRow.next_attempt_at <= now, InboxRow.lease_until <= now)
            .order_by(InboxRow.received_at)
            .limit(limit)
        )
        with self.archive._session() as s:
            return [(str(e), str(t), dict(b or {})) for e, t, b in s.execute(q).all()]

    def pending(self) -> int:
        with self.archive._session() as s:
            return int(s.scalar(select(func.count()).select_from(InboxRow).where(InboxRow.done_at.is_(None))) or 0)

    def state(self, event_id: str) -> dict[str, Any] | None:
        with self.archive._session() as s:
            row = s.get(InboxRow, event_id)
            if row is None:
                return None
            return {"attempts": row.attempts, "done": row.done_at is not None, "last_error": row.last_error}

    def forget_done(self, before: datetime) -> int:
        """Drop finished events recorded before ``before`` (Slack retries within minutes; old rows only grow)."""
        with self.archive._session() as s, s.begin():
            result = s.execute(
                delete(InboxRow).where(InboxRow.done_at.is_not(None), InboxRow.received_at < before)
            )
            return int(getattr(result, "rowcount", 0) or 0)


class Outbox:
    """Moderator alerts to post (or update) in Slack, retried until Slack accepts them.

    An alert that changes while a worker delivers it (another replica flagged the next message of its burst) is not
    lost: ``queue`` stamps the row anew, and ``delivered`` then leaves it due again instead of done, so the change
    is shown by one more update."""

    def __init__(
        self, archive: Archive, *, lease_seconds: float = 60.0, backoff: Backoff = Backoff(), now: Now = time.time
    ) -> None:
        self.archive = archive
        self.lease_seconds = lease_seconds
        self.backoff = backoff
        self.now = now
        #: alert id -> its row's ``queued_at`` when this worker took it (what it is delivering)
        self._taken: dict[int, datetime] = {}

    def queue(self, alert_id: int, *, is_update: bool) -> None:
        """Ask for the alert to be delivered (again, if it changed since it was last delivered or taken)."""
        now = self.now()
        with self.archive._session() as s, s.begin():
            _insert_ignore(
                s,
                OutboxRow,
                {
                    "alert_id": alert_id,
                    "queued_at": _moment(now),
                    "is_update": is_update,
                    "attempts": 0,
                    "next_attempt_at": 0.0,
                    "last_error": "",
                },
            )
            row = s.scalars(select(OutboxRow).where(OutboxRow.alert_id == alert_id).with_for_update()).one()
            if row.done_at is not None:
                row.done_at = None
                row.is_update = is_update
                row.attempts = 0
                row.next_attempt_at = 0.0
            # A new stamp, even within the same microsecond (or a test's frozen clock): a worker delivering the
            # alert right now sees that it changed meanwhile.
            row.queued_at = max(_moment(now), row.queued_at + timedelta(microseconds=1))

    def take_due(self, limit: int = 50) -> list[tuple[int, bool]]:
        """Lease the alerts due now: (alert id, is an update). Only one worker gets each."""
        now = self.now()
        taken: list[tuple[int, bool]] = []
        with self.archive._session() as s, s.begin():
            rows = s.execute(
                select(OutboxRow.alert_id, OutboxRow.is_update)
                .where(OutboxRow.done_at.is_(None), OutboxRow.next_attempt_at <= now)
                .order_by(OutboxRow.alert_id)
                .limit(limit)
            ).all()
        for alert_id, is_update in rows:
            with self.archive._session() as s, s.begin():
                result = s.execute(
                    update(OutboxRow)
                    .where(
                        OutboxRow.alert_id == alert_id,
                        OutboxRow.done_at.is_(None),
                        OutboxRow.next_attempt_at <= now,
                    )
                    .values(next_attempt_at=now + self.lease_seconds, attempts=OutboxRow.attempts + 1)
                )
                if getattr(result, "rowcount", 0):
                    stamp = s.scalar(select(OutboxRow.queued_at).where(OutboxRow.alert_id == alert_id))
                    if stamp is not None:
                        self._taken[int(alert_id)] = stamp
                    taken.append((int(alert_id), bool(is_update)))
        return taken

    def delivered(self, alert_id: int) -> bool:
        """Done (True), unless the alert was queued again while it was being delivered: then it is due again at
        once, as an update (False), so Slack ends up showing its latest state."""
        taken = self._taken.pop(alert_id, None)
        with self.archive._session() as s, s.begin():
            row = s.scalars(select(OutboxRow).where(OutboxRow.alert_id == alert_id).with_for_update()).first()
            if row is None:
                return True
            if taken is not None and row.done_at is None and row.queued_at != taken:
                row.is_update = True
                row.attempts = 0
                row.next_attempt_at = 0.0
                return False
            row.done_at = _moment(self.now())
            row.last_error = ""
            return True

    def retry_later(self, alert_id: int, error: str) -> None:
        """Slack did not take it: try again after the backoff (alerts are never dropped)."""
        self._taken.pop(alert_id, None)
        now = self.now()
        with self.archive._session() as s, s.begin():
            row = s.get(OutboxRow, alert_id)
            if row is None or row.done_at is not None:
                return
            row.next_attempt_at = now + self.backoff.delay(row.attempts)
            row.last_error = error[:2000]

    def pending(self) -> int:
        with self.archive._session() as s:
            return int(
                s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.done_at.is_(None))) or 0
            )

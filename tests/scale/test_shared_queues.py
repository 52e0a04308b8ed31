"""What replicas share through the archive, at the store's level (SQLite and the real PostgreSQL, one ``Archive``
per worker as in separate processes): a burst flagged by several workers at the same moment gets one alert, and an
alert that changes while another worker delivers it is delivered again rather than left showing its old state."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from assistant.moderation.models import FlagRecord
from assistant.store.archive import Archive
from assistant.store.moderation import AlertRow, ModerationStore
from assistant.store.queues import Outbox
from tests.threads import run_together

WORKERS = 4
WINDOW_S = 30 * 60.0


def _flag(ts: str, user: str = "U1", channel: str = "C100") -> FlagRecord:
    return FlagRecord(
        channel_id=channel,
        ts=ts,
        user_id=user,
        judgment="toxicity",
        score=0.9,
        threshold=0.7,
        created_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        excerpt="you idiot",
    )


def _together(work: Callable[[int], Any]) -> list[Any]:
    return run_together(WORKERS, work)


@pytest.fixture()
def archives(archive_url: str) -> Iterator[list[Archive]]:
    """One archive (engine, pool) per worker on the same database, as replicas have."""
    first = Archive(archive_url)  # migrates the empty database before the others open it
    opened = [first, *(Archive(archive_url) for _ in range(WORKERS - 1))]
    yield opened
    for arc in opened:
        arc.close()


def test_a_burst_flagged_by_several_workers_at_once_shares_one_alert(archives: list[Archive]) -> None:
    for round_ in range(3):
        placed = _together(
            lambda i, r=round_: ModerationStore(archives[i]).insert_grouped(
                _flag(f"{1_767_600_000 + 100 * r + i}.000100", user=f"U{r}"), WINDOW_S
            )
        )
        assert all(p is not None for p in placed)
        alert_ids = {p[0].alert_id for p in placed}
        assert len(alert_ids) == 1, f"one member's burst was split into alerts {sorted(alert_ids)}"
        assert sorted(p[1] for p in placed) == [False] + [True] * (WORKERS - 1), "one opened it, the rest joined"
    with archives[0].engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AlertRow)) == 3


def test_one_message_flagged_by_several_workers_at_once_has_one_flag_and_one_alert(
    archives: list[Archive],
) -> None:
    placed = _together(lambda i: ModerationStore(archives[i]).insert_grouped(_flag("1767600000.000100"), WINDOW_S))
    stored = [p for p in placed if p is not None]
    assert len(stored) == 1, "the others see the message flagged already and leave its flag and alert alone"
    with archives[0].engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AlertRow)) == 1


def test_an_alert_queued_again_while_another_worker_delivers_it_is_delivered_again(
    archives: list[Archive],
) -> None:
    now = 1_767_600_000.0  # one frozen instant: the second queueing must still count as a change
    a, b = Outbox(archives[0], now=lambda: now), Outbox(archives[1], now=lambda: now)
    a.queue(7, is_update=False)
    assert a.take_due() == [(7, False)]
    assert b.take_due() == [], "leased: one worker delivers it"
    b.queue(7, is_update=True)  # another worker's flag joined the alert while it was being posted
    assert a.delivered(7) is False, "what was posted is not the alert's latest state"
    assert a.pending() == 1
    assert b.take_due() == [(7, True)], "due again at once, as an update"
    assert b.delivered(7) is True
    assert a.pending() == 0
    b.queue(7, is_update=True)  # a change after delivery: due again, as before
    assert a.take_due() == [(7, True)]
    assert a.delivered(7) is True
    assert b.pending() == 0

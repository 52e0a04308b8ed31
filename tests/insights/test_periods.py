"""Windows mean what their labels say, at any instant and in any local time zone: "the past N days" is exactly
N × 24 h up to now, "this week"/"last week" are ISO calendar weeks (UTC), "in March 2019" that calendar month;
each window's ``previous()`` is the one its ``comparison`` names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.clock import frozen_clock, system_clock
from assistant.insights.periods import (
    TICK,
    CalendarUnit,
    Window,
    calendar_month,
    duration_words,
    last,
    next_start,
    previous_start,
    rolling,
    since,
    to_date,
)
from tests.instants import INSTANT_PARAMS, Instant, local_timezone


def _windows(at: datetime) -> dict[str, Window]:
    return {
        "rolling7": rolling(7, at),
        "rolling10": rolling(10, at),
        "week": to_date("week", at),
        "month": to_date("month", at),
        "last_week": last("week", at),
        "last_month": last("month", at),
    }


@pytest.mark.parametrize("instant", INSTANT_PARAMS)
@pytest.mark.parametrize("days", [1, 7, 10, 30])
def test_rolling_windows_are_exactly_n_times_24_hours(instant: Instant, days: int) -> None:
    with local_timezone(instant.tz):
        now = instant.at
        w = rolling(days, now)
        assert w.kind == "rolling" and w.end - w.start == timedelta(hours=24 * days)
        assert w.contains(now) and not w.contains(now + TICK)
        assert w.contains(now - timedelta(days=days) + TICK) and not w.contains(now - timedelta(days=days))
        span = "24 hours" if days == 1 else f"{days} days"
        assert (w.label, w.short, w.comparison) == (f"the past {span}", span, f"the previous {span}")
        prev = w.previous()
        assert (prev.start, prev.end) == (w.start - timedelta(days=days), w.start)
        assert prev.label == w.comparison


@pytest.mark.parametrize("instant", INSTANT_PARAMS)
def test_this_week_and_last_week_are_iso_calendar_weeks(instant: Instant) -> None:
    with local_timezone(instant.tz):
        now = instant.at
        week = to_date("week", now)
        monday = datetime.fromisocalendar(*now.isocalendar()[:2], 1).replace(tzinfo=UTC)
        assert (week.start, week.end, week.label) == (monday, now + TICK, "this week")
        same_days = week.previous()
        assert same_days.start == monday - timedelta(days=7) and same_days.length == week.length
        assert same_days.label == week.comparison == "the same days of last week"
        lw = last("week", now)
        assert (lw.start, lw.end, lw.label, lw.kind) == (monday - timedelta(days=7), monday, "last week", "period")
        before = lw.previous()
        assert (before.start, before.end, before.label) == (
            monday - timedelta(days=14),
            lw.start,
            "the week before",
        )


@pytest.mark.parametrize("instant", INSTANT_PARAMS)
def test_local_time_zone_never_moves_a_window(instant: Instant) -> None:
    utc = _windows(instant.at)
    with local_timezone(instant.tz):
        assert _windows(instant.at) == utc
        # the same instant written in the local zone gives the same windows
        assert _windows(instant.at.astimezone()) == utc


def test_month_boundary() -> None:
    now = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    assert to_date("month", now).start == datetime(2026, 12, 1, tzinfo=UTC)
    assert to_date("month", now).previous().end == datetime(2026, 11, 1, 0, 30, 0, 1, tzinfo=UTC)
    november = last("month", now)
    assert (november.start, november.end, november.label) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
        "last month",
    )
    assert rolling(7, now).start == datetime(2026, 11, 24, 0, 30, 0, 1, tzinfo=UTC)


def test_rolling_day_across_a_dst_change_is_24_hours() -> None:
    """Berlin's 29 March 2026 has 23 local hours; "the past 24 hours" still has 24."""
    with local_timezone("Europe/Berlin"):
        now = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # Monday 00:00 local
        day = rolling(1, now)
        assert day.length == timedelta(hours=24) and day.start == now - timedelta(hours=24) + TICK
        today = to_date("day", now)  # the UTC day, not the local one
        assert today.start == datetime(2026, 3, 29, tzinfo=UTC) and today.label == "today"


def test_a_named_month_is_that_calendar_month() -> None:
    now = datetime(2026, 11, 20, 15, tzinfo=UTC)
    march = calendar_month(2019, 3, now)
    assert (march.start, march.end) == (datetime(2019, 3, 1, tzinfo=UTC), datetime(2019, 4, 1, tzinfo=UTC))
    assert (march.label, march.short, march.kind) == ("in March 2019", "March 2019", "period")
    feb = march.previous()
    assert (feb.start, feb.end, feb.label) == (datetime(2019, 2, 1, tzinfo=UTC), march.start, "February 2019")
    # The month still running ends now and is compared with the same days of the month before.
    running = calendar_month(2026, 11, now)
    assert (running.end, running.kind, running.label) == (now + TICK, "to_date", "in November 2026")
    assert running.previous().start == datetime(2026, 10, 1, tzinfo=UTC)
    assert running.previous().length == running.length
    assert running.comparison == "the same days of October 2026"
    january = calendar_month(2026, 1, now).previous()
    assert january.start == datetime(2025, 12, 1, tzinfo=UTC) and january.label == "December 2025"


def test_since_and_duration_words() -> None:
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    w = since(datetime(2026, 3, 16, tzinfo=UTC), now, "since Monday")
    assert (w.label, w.kind, w.end) == ("since Monday", "span", now + TICK)
    assert w.previous().end == w.start and w.previous().length == w.length
    assert w.comparison == "the previous 4.5 days"
    assert duration_words(timedelta(days=10)) == "10 days"
    assert duration_words(timedelta(hours=24)) == "24 hours"
    assert duration_words(timedelta(hours=36)) == "36 hours"
    assert duration_words(timedelta(days=10, microseconds=1)) == "10 days"
    with pytest.raises(ValueError):
        rolling(0, now)


def test_clocks() -> None:
    at = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)
    assert frozen_clock(at)() == at
    assert frozen_clock(datetime(2026, 11, 30, 1, 30))() == at  # naive is UTC
    import time_machine

    with time_machine.travel(at, tick=False):  # the system clock reads the (here frozen) wall clock, in UTC
        assert system_clock() == at and system_clock().tzinfo is not None


@pytest.mark.parametrize(
    ("unit", "start", "before", "after"),
    [
        (
            "month",
            datetime(2024, 3, 1, tzinfo=UTC),
            datetime(2024, 2, 1, tzinfo=UTC),
            datetime(2024, 4, 1, tzinfo=UTC),
        ),
        (
            "month",
            datetime(2026, 1, 1, tzinfo=UTC),
            datetime(2025, 12, 1, tzinfo=UTC),
            datetime(2026, 2, 1, tzinfo=UTC),
        ),
        (
            "month",
            datetime(2025, 12, 1, tzinfo=UTC),
            datetime(2025, 11, 1, tzinfo=UTC),
            datetime(2026, 1, 1, tzinfo=UTC),
        ),
        (
            "year",
            datetime(2024, 1, 1, tzinfo=UTC),
            datetime(2023, 1, 1, tzinfo=UTC),
            datetime(2025, 1, 1, tzinfo=UTC),
        ),
        (
            "week",
            datetime(2025, 12, 29, tzinfo=UTC),
            datetime(2025, 12, 22, tzinfo=UTC),
            datetime(2026, 1, 5, tzinfo=UTC),
        ),
        (
            "day",
            datetime(2024, 3, 1, tzinfo=UTC),
            datetime(2024, 2, 29, tzinfo=UTC),
            datetime(2024, 3, 2, tzinfo=UTC),
        ),
    ],
)
def test_calendar_steps_are_whole_calendar_periods(
    unit: CalendarUnit, start: datetime, before: datetime, after: datetime
) -> None:
    assert (previous_start(unit, start), next_start(unit, start)) == (before, after)

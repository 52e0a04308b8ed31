"""Calendar periods and "now".

"Now" is injectable everywhere (``at``). When it is not given, it is the time of the newest stored message,
not the wall clock: exports end months or years ago, and "this month" must mean the last month of activity
rather than an empty window. Periods are calendar periods (UTC day, ISO week starting Monday, calendar month);
a period's window runs from its start to ``now`` ("month to date"), and trends compare it with the *same
elapsed span* of the previous period, so a partial month is never compared with a full one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

PeriodName = Literal["day", "week", "month"]
PERIODS: tuple[PeriodName, ...] = ("day", "week", "month")


@dataclass(frozen=True)
class Window:
    """A half-open time window ``[start, end)`` with a readable label."""

    start: datetime
    end: datetime
    label: str = ""

    def contains(self, when: datetime) -> bool:
        return self.start <= when < self.end


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def period_start(period: PeriodName, at: datetime) -> datetime:
    at = aware(at).astimezone(UTC)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown period {period!r}; expected day, week or month")


def previous_start(period: PeriodName, start: datetime) -> datetime:
    if period == "day":
        return start - timedelta(days=1)
    if period == "week":
        return start - timedelta(days=7)
    prev_last_day = start - timedelta(days=1)
    return prev_last_day.replace(day=1)


def current_window(period: PeriodName, at: datetime) -> Window:
    """The period containing ``at``, up to and including ``at``."""
    start = period_start(period, at)
    return Window(start, aware(at) + timedelta(microseconds=1), f"this {period}")


def previous_window(period: PeriodName, at: datetime) -> Window:
    """The previous period, cut to the same elapsed span as the current one (for fair trends)."""
    start = period_start(period, at)
    prev = previous_start(period, start)
    elapsed = aware(at) + timedelta(microseconds=1) - start
    end = min(prev + elapsed, start)
    return Window(prev, end, f"previous {period}")


def full_previous_window(period: PeriodName, at: datetime) -> Window:
    start = period_start(period, at)
    return Window(previous_start(period, start), start, f"last {period}")


def week_key(when: datetime) -> tuple[int, int]:
    iso = aware(when).isocalendar()
    return (iso[0], iso[1])


def week_index(when: datetime) -> int:
    """Weeks since an epoch Monday: consecutive weeks differ by exactly one."""
    monday = period_start("week", when)
    return (monday - datetime(1970, 1, 5, tzinfo=UTC)).days // 7

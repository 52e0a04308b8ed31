"""Time windows and their labels: the one place that says what "the past 7 days", "this week", "last week" and
"in March 2019" mean.

Every window carries the words that name it, so a label cannot drift from what was computed:

- *rolling* (``rolling(days, now)``, "the past 10 days"): exactly ``days`` × 24 h up to and including ``now``;
  compared with the same length just before ("the previous 10 days").
- *to date* (``to_date("week", now)``, "this week"): a calendar period from its start up to ``now``; compared with
  the *same elapsed span* of the previous period ("the same days of last week"), so a partial month is never
  compared with a full one.
- *period* (``last("week", now)`` "last week", ``calendar_month(2019, 3, now)`` "in March 2019"): one whole
  calendar period; compared with the whole period before.
- *span* (``since(start, now, "since Monday")``): from a given instant up to ``now``; compared with the same
  length just before.

Calendar periods are UTC days, ISO weeks (starting Monday 00:00 UTC), UTC calendar months and years: a server's
local time zone and its daylight-saving changes never move a window. Windows are half-open ``[start, end)``; a
window up to ``now`` ends one microsecond after it, so a message stamped exactly ``now`` is in it.

"Now" is injectable everywhere (``at``). The insight services default it to the time of the newest stored
message, not the wall clock (``Snapshot.now``): exports end months or years ago, and "this month" of an export
must mean its last month of activity rather than an empty window. Live surfaces (the Slack Home tab, the
digest timer) pass the clock's time instead (``assistant.clock``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from dateutil.relativedelta import relativedelta

#: The calendar periods ``assistant metrics --period`` and ``InsightsService.channel_metrics`` accept.
PeriodName = Literal["day", "week", "month"]
PERIODS: tuple[PeriodName, ...] = ("day", "week", "month")
#: Calendar units a window can be cut by.
CalendarUnit = Literal["day", "week", "month", "year"]
WindowKind = Literal["rolling", "to_date", "period", "span"]

#: The smallest step of a message time: a window "up to now" ends this long after ``now``.
TICK = timedelta(microseconds=1)

_THIS: dict[CalendarUnit, str] = {"day": "today", "week": "this week", "month": "this month", "year": "this year"}
_LAST: dict[CalendarUnit, str] = {
    "day": "yesterday",
    "week": "last week",
    "month": "last month",
    "year": "last year",
}
_SAME_OF_LAST: dict[CalendarUnit, str] = {
    "day": "the same hours of yesterday",
    "week": "the same days of last week",
    "month": "the same days of last month",
    "year": "the same days of last year",
}
_BEFORE: dict[CalendarUnit, str] = {
    "day": "the day before",
    "week": "the week before",
    "month": "the month before",
    "year": "the year before",
}


@dataclass(frozen=True)
class Window:
    """A half-open time window ``[start, end)`` with the words that name it.

    ``label`` reads after "Activity"/"Mood" ("the past 7 days", "this week", "in March 2019"); ``short`` fits in
    parentheses ("7 days"); ``comparison`` names ``previous()`` after "vs" ("the previous 7 days").
    """

    start: datetime
    end: datetime
    label: str = ""
    kind: WindowKind = "span"
    unit: CalendarUnit | None = None
    short: str = ""
    comparison: str = ""

    def contains(self, when: datetime) -> bool:
        return self.start <= when < self.end

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def last_instant(self) -> datetime:
        """The latest instant inside the window (``now`` for a window up to now)."""
        return self.end - TICK

    def previous(self) -> Window:
        """The window this one is compared with (see the module docstring), named by ``comparison``."""
        if self.kind == "to_date" and self.unit is not None:
            prev = previous_start(self.unit, self.start)
            end = min(prev + self.length, self.start)
            label = self.comparison or _SAME_OF_LAST[self.unit]
            return Window(prev, end, label, "span", self.unit, label)
        if self.kind == "period" and self.unit is not None:
            prev = previous_start(self.unit, self.start)
            label = self.comparison or _BEFORE[self.unit]
            return Window(prev, self.start, label, "period", self.unit, label)
        label = self.comparison or f"the previous {duration_words(self.length)}"
        return Window(self.start - self.length, self.start, label, self.kind, None, label)


def aware(value: datetime) -> datetime:
    """A timezone-aware datetime; naive values are taken as UTC (never as the server's local time)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _utc(value: datetime) -> datetime:
    return aware(value).astimezone(UTC)


def duration_words(length: timedelta) -> str:
    """ "10 days", "24 hours", "4.5 days": a window length to the second, in words."""
    seconds = round(length.total_seconds())
    if seconds % 86400 == 0 and seconds >= 2 * 86400:
        return f"{seconds // 86400} days"
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hours"
    return f"{seconds / 3600:.1f} hours"


def period_start(period: CalendarUnit, at: datetime) -> datetime:
    """Start (UTC) of the calendar period containing ``at``: day, ISO week (Monday), month or year."""
    at = _utc(at)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "year":
        return day.replace(month=1, day=1)
    raise ValueError(f"unknown period {period!r}; expected day, week, month or year")


#: One calendar period (calendar months and years, not 30 or 365 days).
_STEP: dict[CalendarUnit, relativedelta] = {
    "day": relativedelta(days=1),
    "week": relativedelta(weeks=1),
    "month": relativedelta(months=1),
    "year": relativedelta(years=1),
}


def previous_start(period: CalendarUnit, start: datetime) -> datetime:
    """Start of the calendar period before the one starting at ``start``."""
    return start - _STEP[period]


def next_start(period: CalendarUnit, start: datetime) -> datetime:
    """Start of the calendar period after the one starting at ``start``."""
    return start + _STEP[period]


# Constructors -------------------------------------------------------------------------------------------------
def rolling(days: int, now: datetime) -> Window:
    """The last ``days`` × 24 h up to and including ``now``: "the past 10 days"."""
    if days < 1:
        raise ValueError("a rolling window covers at least one day")
    end = _utc(now) + TICK
    span = "24 hours" if days == 1 else f"{days} days"
    return Window(
        end - timedelta(days=days),
        end,
        label=f"the past {span}",
        kind="rolling",
        short=span,
        comparison=f"the previous {span}",
    )


def to_date(unit: CalendarUnit, now: datetime) -> Window:
    """The calendar period containing ``now``, up to and including ``now``: "this week"."""
    return Window(
        period_start(unit, now),
        _utc(now) + TICK,
        label=_THIS[unit],
        kind="to_date",
        unit=unit,
        short=_THIS[unit],
        comparison=_SAME_OF_LAST[unit],
    )


def last(unit: CalendarUnit, now: datetime) -> Window:
    """The whole calendar period before the one containing ``now``: "last week"."""
    end = period_start(unit, now)
    return Window(
        previous_start(unit, end),
        end,
        label=_LAST[unit],
        kind="period",
        unit=unit,
        short=_LAST[unit],
        comparison=_BEFORE[unit],
    )


def calendar_month(year: int, month: int, now: datetime) -> Window:
    """One calendar month: "in March 2019". The month still running at ``now`` ends at ``now`` and is compared
    with the same days of the month before; a past month is whole and compared with the whole month before."""
    start = datetime(year, month, 1, tzinfo=UTC)
    stop = next_start("month", start)
    prev = previous_start("month", start)
    name, prev_name = f"{calendar.month_name[month]} {year}", f"{calendar.month_name[prev.month]} {prev.year}"
    up_to_now = _utc(now) + TICK
    if up_to_now < stop:
        return Window(
            start,
            max(start, up_to_now),
            label=f"in {name}",
            kind="to_date",
            unit="month",
            short=f"{name} so far",
            comparison=f"the same days of {prev_name}",
        )
    return Window(start, stop, label=f"in {name}", kind="period", unit="month", short=name, comparison=prev_name)


def since(start: datetime, now: datetime, label: str) -> Window:
    """From ``start`` up to and including ``now``, named by the caller ("since Monday")."""
    end = _utc(now) + TICK
    start = min(_utc(start), end)
    length = duration_words(end - start)
    return Window(start, end, label=label, kind="span", short=label, comparison=f"the previous {length}")


def week_index(when: datetime) -> int:
    """Weeks since an epoch Monday: consecutive weeks differ by exactly one."""
    monday = period_start("week", when)
    return (monday - datetime(1970, 1, 5, tzinfo=UTC)).days // 7

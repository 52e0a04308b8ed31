"""Fixed instants that tests pin "now" to, where calendar windows and rolling windows disagree most, and a way to
run code under another local time zone (the assistant must never let a server's zone or its DST move a window)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest


@dataclass(frozen=True)
class Instant:
    name: str
    at: datetime
    tz: str = "UTC"

    def __str__(self) -> str:
        return self.name


INSTANTS = [
    # 30 minutes into an ISO week: the calendar week to date holds almost nothing.
    Instant("monday-00:30-utc", datetime(2026, 11, 30, 0, 30, tzinfo=UTC)),
    # The last half hour of an ISO week, on a server in Berlin where it is already Monday 00:30.
    Instant("sunday-23:30-utc-berlin-monday", datetime(2026, 11, 29, 23, 30, tzinfo=UTC), "Europe/Berlin"),
    Instant("wednesday-midday", datetime(2026, 11, 25, 12, 0, tzinfo=UTC)),
    # Tuesday 1 December 00:30: a month boundary, early in a week.
    Instant("month-boundary", datetime(2026, 12, 1, 0, 30, tzinfo=UTC)),
    # Berlin clocks went forward at 01:00 UTC (02:00 -> 03:00 local) half an hour before.
    Instant("berlin-dst-spring", datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Europe/Berlin"),
    # Berlin clocks went back at 01:00 UTC (03:00 -> 02:00 local) half an hour before.
    Instant("berlin-dst-autumn", datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Europe/Berlin"),
]

INSTANT_PARAMS = [pytest.param(i, id=i.name) for i in INSTANTS]


@contextmanager
def local_timezone(name: str) -> Iterator[None]:
    """The process's local time zone set to ``name`` (``TZ`` + ``time.tzset()``), restored afterwards."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()

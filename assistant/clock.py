"""The clock: what "now" is for the live parts of the assistant (the Slack Home tab, the digest timer, retention,
moderation's "the last N days").

``Context`` holds one ``Clock`` (``system_clock`` by default) and everything live asks it rather than calling
``datetime.now`` itself, so tests can pin "now" to any instant with ``frozen_clock``. Insight services over an
archive default "now" to the newest stored message instead (see ``assistant.insights.periods``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

#: Returns the current time, timezone-aware, in UTC.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def frozen_clock(at: datetime) -> Clock:
    """A clock that always says ``at`` (naive values are taken as UTC)."""
    fixed = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)

    def clock() -> datetime:
        return fixed

    return clock

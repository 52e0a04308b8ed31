"""The aggregate tables as SQLAlchemy ``Table`` objects, and the day arithmetic their writers and readers share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Table

from assistant.store.schema import ChannelDayRow, MemberChannelRow, MemberDayRow, MessageFactRow, MessageRow

DAY = 86400
CHUNK = 500

FACTS = cast(Table, MessageFactRow.__table__)
CHANNEL_DAYS = cast(Table, ChannelDayRow.__table__)
MEMBER_DAYS = cast(Table, MemberDayRow.__table__)
MEMBER_CHANNELS = cast(Table, MemberChannelRow.__table__)
MESSAGES = cast(Table, MessageRow.__table__)


def day_of(time: float) -> int:
    return int(time // DAY)


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def per_channel(pairs: Iterable[tuple[str, str]], size: int = CHUNK) -> Iterator[tuple[str, list[str]]]:
    """(channel, up to ``size`` of its values) for keys (channel, value): a query filters on ``channel_id = ?
    AND value IN (...)``, which SQLite answers from an index, where a ``(channel_id, value) IN (VALUES …)`` of
    row values makes it scan the whole table."""
    grouped: dict[str, list[str]] = {}
    for cid, value in sorted(set(pairs)):
        grouped.setdefault(cid, []).append(value)
    for cid, values in grouped.items():
        for chunk in chunks(values, size):
            yield cid, list(chunk)

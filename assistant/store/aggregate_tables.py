"""The aggregate tables as SQLAlchemy ``Table`` objects, and the day arithmetic their writers and readers share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Table

from assistant.domain import Message
from assistant.domain.workspace import Reaction
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


def light_message(row: Any) -> Message:
    """The message of a row of selected ``messages`` columns, built without validation (the archive validated it
    when writing it; aggregate readers read thousands): a column the query left out reads as empty."""
    m = row._mapping
    return Message.model_construct(
        channel_id=m["channel_id"],
        ts=m["ts"],
        user_id=m["user_id"],
        text=m["text"],
        raw_text=m.get("raw_text") or "",
        thread_ts=m.get("thread_ts"),
        subtype=m.get("subtype"),
        bot_id=m.get("bot_id"),
        reactions=[_reaction(r) for r in m.get("reactions") or []],
        reply_count=m.get("reply_count") or 0,
        reply_users=[],
        files=[],
        edited=None,
        deleted=bool(m.get("deleted")),
    )  # every field given: pydantic's defaults cost a signature inspection per call


def _reaction(r: dict[str, Any]) -> Reaction:
    return Reaction.model_construct(
        name=r.get("name", ""), users=list(r.get("users") or []), count=r.get("count", 0)
    )

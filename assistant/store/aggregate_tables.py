"""The aggregate tables as SQLAlchemy ``Table`` objects, and the day arithmetic their writers and readers share."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, and_

from assistant.domain import Message
from assistant.domain.workspace import Edit, FileRef, Reaction
from assistant.store.schema import ChannelDayRow, MemberChannelRow, MemberDayRow, MessageFactRow, MessageRow

DAY = 86400
CHUNK = 500
#: What a thread's author writes when a reply helped them (a helpful reply: ``insights.contributors``).
THANKS = re.compile(r"\b(thanks?|thank you|thx|ty|cheers|solved|worked|works now|fixed it|perfect)\b", re.I)
#: A message this long (characters of its text) says enough to compare members by (twinning's shortest): the
#: aggregates count each member's long messages.
LONG_MESSAGE_CHARS = 15

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


def stored_message(row: Any) -> Message:
    """The message of a row of ``messages`` columns (all of them, as ``assistant.store.messages.row_to_message``
    reads, or a selection), built without validating again what the archive validated when it wrote the row (a
    tenth of the time; aggregate readers read thousands): a column the query left out reads as empty."""
    m = row._asdict()  # a plain dict: a missing column's ``get`` on a row mapping raises and catches inside
    edited = m.get("edited")
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
        reply_users=list(m.get("reply_users") or []),
        files=[FileRef(**f) for f in m.get("files") or []],
        edited=Edit(**edited) if edited else None,
        deleted=bool(m.get("deleted")),
    )  # every field given: pydantic's defaults cost a signature inspection per call


def _reaction(r: dict[str, Any]) -> Reaction:
    return Reaction.model_construct(
        name=r.get("name", ""), users=list(r.get("users") or []), count=r.get("count", 0)
    )


def replies_to_others(query: Select[Any], parent_fact: Any, reply: Any = None) -> Select[Any]:
    """``query`` over the facts (``FACTS``) narrowed to thread replies in someone else's thread whose parent is a
    conversation message: ``parent_fact`` is an alias of the facts for the parent, ``reply`` (when given) an alias
    of the messages joined for the reply's own row (its text); the thread is the fact's own ``thread_ts``."""
    if reply is not None:
        query = query.join(reply, and_(reply.c.channel_id == FACTS.c.channel_id, reply.c.ts == FACTS.c.ts))
    return query.join(
        parent_fact,
        and_(
            parent_fact.c.channel_id == FACTS.c.channel_id,
            parent_fact.c.ts == FACTS.c.thread_ts,
            parent_fact.c.top_level.is_(True),
        ),
    ).where(FACTS.c.top_level.is_(False), parent_fact.c.user_id != FACTS.c.user_id)

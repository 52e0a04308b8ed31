"""Reading one channel's messages for the aggregates, and summing their facts into day and member rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select

from assistant.domain import Message
from assistant.domain.workspace import NON_CONVERSATION_SUBTYPES
from assistant.store.aggregate_tables import (
    CHANNEL_DAYS,
    DAY,
    FACTS,
    MEMBER_CHANNELS,
    MEMBER_DAYS,
    MESSAGES,
    chunks,
    day_of,
    stored_message,
)


def is_conversation(m: Any, bots: set[str]) -> bool:
    """A message the insight snapshot counts (``insights.data.load_snapshot``)."""
    return bool(
        not m.deleted
        and m.bot_id is None
        and m.user_id is not None
        and (m.subtype is None or m.subtype not in NON_CONVERSATION_SUBTYPES)
        and (m.text.strip() or m.files)
        and m.user_id not in bots
    )


#: The columns a refresh reads of each message (not its raw text, edits or reply users).
_COLUMNS = (
    MESSAGES.c.channel_id,
    MESSAGES.c.ts,
    MESSAGES.c.time,
    MESSAGES.c.user_id,
    MESSAGES.c.text,
    MESSAGES.c.thread_ts,
    MESSAGES.c.subtype,
    MESSAGES.c.bot_id,
    MESSAGES.c.reactions,
    MESSAGES.c.reply_count,
    MESSAGES.c.files,
    MESSAGES.c.deleted,
)


def load_messages(conn: Connection, cid: str, days: list[int], bots: set[str]) -> list[Message]:
    """The channel's conversation messages on these days and the day after each, and every reply to a
    top-level message on these days; in time order."""
    runs: list[tuple[int, int]] = []
    for d in days:
        if runs and d <= runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    cond = or_(*(and_(MESSAGES.c.time >= a * DAY, MESSAGES.c.time < (b + 2) * DAY) for a, b in runs))
    found: dict[str, Any] = {}
    for row in conn.execute(select(*_COLUMNS).where(MESSAGES.c.channel_id == cid, cond)):
        found[row.ts] = row
    dayset = set(days)
    tops = [
        ts
        for ts, r in found.items()
        if day_of(r.time) in dayset and not (r.thread_ts is not None and r.thread_ts != r.ts)
    ]
    for chunk in chunks(tops):
        for row in conn.execute(
            select(*_COLUMNS).where(MESSAGES.c.channel_id == cid, MESSAGES.c.thread_ts.in_(list(chunk)))
        ):
            found.setdefault(row.ts, row)
    msgs = [stored_message(r) for r in found.values() if is_conversation(r, bots)]
    msgs.sort(key=lambda m: float(m.ts))
    return msgs


def replies_outside(conn: Connection, cid: str, dayset: set[int]) -> tuple[bool, bool]:
    """(the channel had thread replies, it has some on days other than these)."""
    rows = conn.execute(
        select(CHANNEL_DAYS.c.day)
        .where(CHANNEL_DAYS.c.channel_id == cid, CHANNEL_DAYS.c.messages > CHANNEL_DAYS.c.top_level)
        .limit(len(dayset) + 1)
    ).all()
    return bool(rows), any(r[0] not in dayset for r in rows)


def day_runs(days: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted days as runs of consecutive days ``(first, last)``."""
    runs: list[tuple[int, int]] = []
    for d in sorted(days):
        if runs and d <= runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def day_ranges(days: Sequence[int]) -> Iterator[Any]:
    """Conditions on the facts' ``time`` (indexed with the channel) covering these days, a few runs at a time."""
    runs = day_runs(days)
    for start in range(0, len(runs), 50):
        yield or_(
            *(and_(FACTS.c.time >= a * DAY, FACTS.c.time < (b + 1) * DAY) for a, b in runs[start : start + 50])
        )


def channel_day_rows(cid: str, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for f in facts:
        row = rows.get(f["day"])
        if row is None:
            row = rows[f["day"]] = {
                "channel_id": cid,
                "day": f["day"],
                "messages": 0,
                "top_level": 0,
                "replied": 0,
                "wait_sum": 0.0,
                "waits": [],
                "reactions": 0,
                "threads": 0,
                "depth_sum": 0,
                "depth_max": 0,
                **_no_moods(f["time"]),
            }
        _add(row, f)
        row["reactions"] += f["reactions"]
        if f["top_level"]:
            row["top_level"] += 1
            if f["wait_minutes"] is not None:
                row["replied"] += 1
                row["wait_sum"] += f["wait_minutes"]
                row["waits"].append(f["wait_minutes"])
        if f["depth"]:
            row["threads"] += 1
            row["depth_sum"] += f["depth"]
            row["depth_max"] = max(row["depth_max"], f["depth"])
    return list(rows.values())


def _no_moods(time: float) -> dict[str, Any]:
    """A day row's mood counters and times (``schema._DayMoods``) before its first message at ``time``."""
    return {"judged": 0, "positive": 0, "neutral": 0, "negative": 0, "first_time": time, "last_time": time}


def _add(row: dict[str, Any], f: dict[str, Any]) -> None:
    row["messages"] += 1
    if f["mood"] is not None:
        row["judged"] += 1
        row[f["mood"]] += 1
    row["first_time"] = min(row["first_time"], f["time"])
    if f["time"] >= row["last_time"]:
        row["last_time"] = f["time"]
        if "last_ts" in row:
            row["last_ts"] = f["ts"]


def member_day_rows(cid: str, facts: list[dict[str, Any]], long: set[str]) -> list[dict[str, Any]]:
    """Per member and day, the sums of their facts (``long``: the ts of the long messages)."""
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for f in facts:
        key = (f["user_id"], f["day"])
        row = rows.get(key)
        if row is None:
            row = rows[key] = {
                "channel_id": cid,
                "user_id": f["user_id"],
                "day": f["day"],
                "messages": 0,
                **_no_moods(f["time"]),
                "last_ts": f["ts"],
                "long_messages": 0,
                "reactions": 0,
                "replies": 0,
                "to_others": 0,
                "helpful": 0,
            }
        _add(row, f)
        row["long_messages"] += f["ts"] in long
        row["reactions"] += f["reactions"]
        row["replies"] += not f["top_level"]
        row["to_others"] += f["to_other"]
        row["helpful"] += f["helpful"]
    return list(rows.values())


def write_member_channels(conn: Connection, cid: str, users: set[str]) -> None:
    for chunk in chunks(sorted(users)):
        conn.execute(
            delete(MEMBER_CHANNELS).where(
                MEMBER_CHANNELS.c.channel_id == cid, MEMBER_CHANNELS.c.user_id.in_(list(chunk))
            )
        )
        firsts = (
            select(FACTS.c.user_id, func.min(FACTS.c.time).label("t"))
            .where(FACTS.c.channel_id == cid, FACTS.c.user_id.in_(list(chunk)))
            .group_by(FACTS.c.user_id)
            .subquery()
        )
        rows: dict[str, dict[str, Any]] = {}
        for uid, time, ts in conn.execute(
            select(FACTS.c.user_id, FACTS.c.time, FACTS.c.ts)
            .join(firsts, and_(FACTS.c.user_id == firsts.c.user_id, FACTS.c.time == firsts.c.t))
            .where(FACTS.c.channel_id == cid)
        ):
            if uid not in rows or float(ts) < float(rows[uid]["first_ts"]):
                rows[uid] = {"channel_id": cid, "user_id": uid, "first_time": time, "first_ts": ts}
        if not rows:
            continue
        for uid, *totals in conn.execute(
            select(MEMBER_DAYS.c.user_id, *(func.sum(MEMBER_DAYS.c[name]) for name in _TOTALS))
            .where(MEMBER_DAYS.c.channel_id == cid, MEMBER_DAYS.c.user_id.in_(list(rows)))
            .group_by(MEMBER_DAYS.c.user_id)
        ):
            rows[uid].update(zip(_TOTALS, (int(t or 0) for t in totals), strict=True))
        conn.execute(MEMBER_CHANNELS.insert(), [{**dict.fromkeys(_TOTALS, 0), **r} for r in rows.values()])


#: The per-member totals ``member_channels`` keeps, summed from ``member_days``.
_TOTALS = ("messages", "long_messages", "reactions", "replies", "to_others", "helpful")

"""Replies to others and helpful replies, kept per reply in the facts (``to_other``, ``helpful``) and summed per
member into ``member_days`` and ``member_channels``, so the contributors over the whole history read one row per
member and channel instead of every candidate's replies.

A reply's flags depend on its thread's parent: that it is a conversation thread parent by someone else, and when
its author last thanked in the thread (``thanked_at``). Any change to a thread refreshes the parent's day
(``aggregates.touched``), so a refresh also recomputes the days of the replies to the top-level messages on its days
(``with_reply_days``); a parent outside the days refreshed did not change, and its stored fact is read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, or_, select

from assistant.domain import Message
from assistant.store.aggregate_rows import day_runs
from assistant.store.aggregate_tables import DAY, FACTS, MESSAGES, THANKS, chunks, day_of


def with_reply_days(conn: Connection, cid: str, days: set[int]) -> set[int]:
    """These days and those of the replies to the channel's top-level messages on them (deleted ones included:
    their replies stop being replies to others)."""
    out = set(days)
    for lo, hi in day_runs(sorted(days)):
        tops = select(MESSAGES.c.ts).where(
            MESSAGES.c.channel_id == cid,
            MESSAGES.c.time >= lo * DAY,
            MESSAGES.c.time < (hi + 1) * DAY,
            or_(MESSAGES.c.thread_ts.is_(None), MESSAGES.c.thread_ts == MESSAGES.c.ts),
        )
        q = select(MESSAGES.c.time).where(
            MESSAGES.c.channel_id == cid, MESSAGES.c.thread_ts.in_(tops), MESSAGES.c.thread_ts != MESSAGES.c.ts
        )
        out |= {day_of(float(t)) for (t,) in conn.execute(q)}
    return out


def last_thanks(msgs: list[Message]) -> dict[str, float]:
    """Per thread parent among ``msgs`` (its ts), when its author last thanked in the thread: their latest reply
    there matching ``THANKS`` (``msgs`` hold every reply to the top-level messages of the days refreshed)."""
    authors = {m.ts: m.user_id for m in msgs if not m.is_reply}
    out: dict[str, float] = {}
    for m in msgs:
        if m.is_reply and m.thread_ts and m.user_id == authors.get(m.thread_ts) and THANKS.search(m.text):
            out[m.thread_ts] = max(out.get(m.thread_ts, 0.0), float(m.ts))
    return out


def mark_replies(conn: Connection, cid: str, facts: list[dict[str, Any]], days: set[int]) -> None:
    """Set ``to_other`` and ``helpful`` on the new facts of these days: a reply to others answers a conversation
    thread parent (``thread_ts == ts``, so its depth counts this reply) written by someone else; it is helpful with
    a reaction, or thanked after it by the parent's author. A parent on these days is one of ``facts`` (or gone);
    one elsewhere is read from its stored fact, which this change did not touch."""
    fresh = {f["ts"]: f for f in facts if f["top_level"]}
    wanted = sorted(
        {f["thread_ts"] for f in facts if f["thread_ts"] and day_of(float(f["thread_ts"])) not in days}
    )
    stored: dict[str, dict[str, Any]] = {}
    for chunk in chunks(wanted):
        cols = (FACTS.c.ts, FACTS.c.user_id, FACTS.c.top_level, FACTS.c.depth, FACTS.c.thanked_at)
        q = select(*cols).where(and_(FACTS.c.channel_id == cid, FACTS.c.ts.in_(list(chunk))))
        stored.update({r.ts: r._asdict() for r in conn.execute(q)})
    for f in facts:
        parent = (fresh.get(f["thread_ts"]) or stored.get(f["thread_ts"])) if f["thread_ts"] else None
        to_other = bool(
            parent is not None
            and parent["top_level"]
            and parent["depth"] > 0
            and parent["user_id"] != f["user_id"]
        )
        thanked = parent["thanked_at"] if parent is not None else None
        f["to_other"] = to_other
        f["helpful"] = to_other and (f["reactions"] > 0 or (thanked is not None and thanked > f["time"]))

"""Incremental aggregates the insight answers read instead of the whole archive (issue 13).

Four tables (declared in ``assistant.store.schema``), kept in the archive's own database:

- ``message_facts``: one row per conversation message an answer counts (people, not bots, joins, deleted
  placeholders or empty messages): its UTC day, author, whether it is top-level, its thread's replies, its
  minutes to first reply (``first_replies``: the same rule the snapshot uses), reactions and judged mood;
- ``channel_days``: per channel × UTC day, the sums of those facts (messages, top-level, replied, first-reply
  minutes as a sum and the values, reactions, threads and their depths, mood counts, first and last time);
- ``member_days``: per member × channel × UTC day (messages, mood counts, last message);
- ``member_channels``: each member's first message in each channel.

Every write that can change them (``Archive.upsert_messages``, ``set_reactions``, ``blank_message``,
``upsert_members``, ``delete_older_than``) calls ``refresh`` with the (channel, day) keys it touched, once per
batch, in its own transaction; ``save_judgments`` calls ``judged``, which sets the moods of the judged messages'
facts and recounts their days' mood columns (a judgment changes nothing else here). ``refresh`` recomputes those days from the messages (a message's first reply can
come the next day, or in a thread days later, so a message touches its day, the day before and its thread
parent's day), which keeps the aggregates equal to a recomputation from scratch (``rebuild``, which migration 0005
runs on an existing archive). A channel whose first thread reply arrives (or whose last one goes) changes how all
its first replies are found, so all its days are recomputed then.

Readers (``AggregateReader``) answer over a window ``[start, end)`` with the whole UTC days inside it from the day
tables, and the partial days at its two ends from ``message_facts``: O(days in the window) rows, on indexes.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    true,
    tuple_,
    update,
)

from assistant.domain import Member, Message
from assistant.domain.judgments import SentimentJudgment
from assistant.domain.workspace import NON_CONVERSATION_SUBTYPES, Reaction
from assistant.store.schema import (
    ChannelDayRow,
    JudgmentRow,
    MemberChannelRow,
    MemberDayRow,
    MemberRow,
    MessageFactRow,
    MessageRow,
)

logger = logging.getLogger(__name__)

DAY = 86400
_CHUNK = 500
#: In a channel without threads, another person's message within this time counts as a reply (flat chat).
FLAT_REPLY_WINDOW = timedelta(minutes=30)

FACTS = cast(Table, MessageFactRow.__table__)
CHANNEL_DAYS = cast(Table, ChannelDayRow.__table__)
MEMBER_DAYS = cast(Table, MemberDayRow.__table__)
MEMBER_CHANNELS = cast(Table, MemberChannelRow.__table__)
MESSAGES = cast(Table, MessageRow.__table__)


def day_of(time: float) -> int:
    return int(time // DAY)


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# First replies (shared with ``assistant.insights.data``) -----------------------------------------------------------
def first_replies(
    by_channel: dict[str, list[Message]],
    members: dict[str, Member],
    threaded: dict[str, bool] | None = None,
) -> dict[tuple[str, str], datetime]:
    """When each top-level message first got a reply from someone else.

    Threaded channels: the first thread reply by another person. Channels without any thread replies (old
    exports, IRC logs): another person's message within ``FLAT_REPLY_WINDOW`` that follows it. In both, a later
    message by someone else that mentions the author by name (``@name``) within a day also counts. ``threaded``
    says which channels have thread replies when ``by_channel`` holds only part of a channel's messages.
    """
    out: dict[tuple[str, str], datetime] = {}
    for cid, msgs in by_channel.items():
        is_threaded = threaded[cid] if threaded and cid in threaded else any(m.is_reply for m in msgs)
        if is_threaded:
            replies: dict[str, list[Message]] = defaultdict(list)
            for m in msgs:
                if m.is_reply and m.thread_ts:
                    replies[m.thread_ts].append(m)
            for m in msgs:
                if m.is_reply:
                    continue
                for r in replies.get(m.ts, []):
                    if r.user_id != m.user_id:
                        out[(cid, m.ts)] = r.time
                        break
        else:
            for i, m in enumerate(msgs):
                for nxt in msgs[i + 1 : i + 40]:
                    if nxt.time - m.time > FLAT_REPLY_WINDOW:
                        break
                    if nxt.user_id != m.user_id:
                        out[(cid, m.ts)] = nxt.time
                        break
        _mention_replies(cid, msgs, members, out)
    return out


def _mention_replies(
    cid: str, msgs: list[Message], members: dict[str, Member], out: dict[tuple[str, str], datetime]
) -> None:
    names: dict[str, set[str]] = {}
    for uid in {m.user_id for m in msgs if m.user_id}:
        mem = members.get(uid)
        if mem:
            names[uid] = {n.lower() for n in (mem.name, mem.display_name, mem.real_name) if n}
    mentions: list[tuple[datetime, str | None, set[str]]] = []
    for m in msgs:
        if "@" in m.text:
            mentions.append((m.time, m.user_id, {t.lower() for t in re.findall(r"@([\w.\-]+)", m.text)}))
    if not mentions:
        return
    times = [when.timestamp() for when, _, _ in mentions]
    for m in msgs:
        if m.is_reply or (cid, m.ts) in out or not m.user_id:
            continue
        mine = names.get(m.user_id, set())
        if not mine:
            continue
        for when, author, tokens in mentions[bisect.bisect_right(times, float(m.ts)) :]:
            if when <= m.time or author == m.user_id:
                continue
            if when - m.time > timedelta(days=1):
                break
            if tokens & mine:
                out[(cid, m.ts)] = when
                break


# Writing -----------------------------------------------------------------------------------------------------------
def touched(channel_id: str, ts: str, thread_ts: str | None) -> set[tuple[str, int]]:
    """The (channel, day) keys a change to this message can change: its day, the day before (a message there
    may have it as its first reply, within 30 minutes or by a mention within a day) and its thread parent's day."""
    day = day_of(float(ts))
    keys = {(channel_id, day), (channel_id, day - 1)}
    if thread_ts and thread_ts != ts:
        with contextlib.suppress(ValueError):
            keys.add((channel_id, day_of(float(thread_ts))))
    return keys


def refresh(conn: Connection, keys: Iterable[tuple[str, int]]) -> int:
    """Recompute the facts and aggregates of these (channel, day) keys from the messages; returns how many
    conversation messages were read."""
    by_channel: dict[str, set[int]] = defaultdict(set)
    for cid, day in keys:
        by_channel[cid].add(day)
    if not by_channel:
        return 0
    bots = {r[0] for r in conn.execute(select(MemberRow.id).where(MemberRow.is_bot.is_(True)))}
    return sum(_refresh_channel(conn, cid, days, bots) for cid, days in sorted(by_channel.items()))


def judged(conn: Connection, moods: Mapping[tuple[str, str], tuple[str, float]]) -> int:
    """Judgments were saved: ``moods`` maps each judged message to its mood label and that label's probability
    (``SentimentJudgment.mood_label``). A judgment changes nothing else the aggregates hold, so only the facts whose
    mood changed are updated and the mood counts of their days recounted, instead of a ``refresh`` of those days.
    Returns how many facts changed."""
    by_channel: dict[str, dict[str, tuple[str, float]]] = defaultdict(dict)
    for (cid, ts), mood in moods.items():
        by_channel[cid][ts] = mood
    changed_total = 0
    for cid, wanted in sorted(by_channel.items()):
        _lock_channel(conn, cid)
        changed: list[dict[str, Any]] = []
        days: set[int] = set()
        for chunk in _chunks(sorted(wanted)):
            for ts, day, mood, prob in conn.execute(
                select(FACTS.c.ts, FACTS.c.day, FACTS.c.mood, FACTS.c.mood_prob).where(
                    FACTS.c.channel_id == cid, FACTS.c.ts.in_(list(chunk))
                )
            ):
                label, p = wanted[ts]
                if (mood, prob) != (label, p):
                    changed.append({"b_ts": ts, "b_mood": label, "b_prob": p})
                    days.add(day)
        if not changed:
            continue
        conn.execute(
            update(FACTS)
            .where(FACTS.c.channel_id == cid, FACTS.c.ts == bindparam("b_ts"))
            .values(mood=bindparam("b_mood"), mood_prob=bindparam("b_prob")),
            changed,
        )
        _recount_moods(conn, cid, sorted(days))
        changed_total += len(changed)
    return changed_total


def _recount_moods(conn: Connection, cid: str, days: list[int]) -> None:
    """The mood counts of these days of a channel (and of each member there), from its facts."""
    empty = {"judged": 0, "positive": 0, "neutral": 0, "negative": 0}
    per_day: dict[int, dict[str, int]] = {d: dict(empty) for d in days}
    per_member: dict[tuple[str, int], dict[str, int]] = {}
    for cond in _day_ranges(days):
        for uid, day, mood in conn.execute(
            select(FACTS.c.user_id, FACTS.c.day, FACTS.c.mood).where(FACTS.c.channel_id == cid, cond)
        ):
            member = per_member.setdefault((uid, day), dict(empty))
            if mood is not None:
                for counts in (per_day[day], member):
                    counts["judged"] += 1
                    counts[mood] += 1
    values: dict[str, Any] = {k: bindparam(f"b_{k}") for k in empty}
    conn.execute(
        update(CHANNEL_DAYS)
        .where(CHANNEL_DAYS.c.channel_id == cid, CHANNEL_DAYS.c.day == bindparam("b_day"))
        .values(**values),
        [{"b_day": d, **{f"b_{k}": v for k, v in counts.items()}} for d, counts in per_day.items()],
    )
    conn.execute(
        update(MEMBER_DAYS)
        .where(
            MEMBER_DAYS.c.channel_id == cid,
            MEMBER_DAYS.c.user_id == bindparam("b_user"),
            MEMBER_DAYS.c.day == bindparam("b_day"),
        )
        .values(**values),
        [
            {"b_user": uid, "b_day": d, **{f"b_{k}": v for k, v in counts.items()}}
            for (uid, d), counts in per_member.items()
        ],
    )


def rebuild(conn: Connection) -> int:
    """Recompute every aggregate from the messages (an archive made before them, or a check)."""
    for table in (FACTS, CHANNEL_DAYS, MEMBER_DAYS, MEMBER_CHANNELS):
        conn.execute(delete(table))
    keys: set[tuple[str, int]] = set()
    for cid, lo, hi in conn.execute(
        select(MESSAGES.c.channel_id, func.min(MESSAGES.c.time), func.max(MESSAGES.c.time)).group_by(
            MESSAGES.c.channel_id
        )
    ):
        keys |= {(cid, d) for d in range(day_of(lo), day_of(hi) + 1)}
    read = refresh(conn, keys)
    logger.info("aggregates rebuilt from %d messages", read)
    return read


def forget_before(conn: Connection, cutoff: float) -> None:
    """Retention deleted the messages older than ``cutoff``: drop their facts and days, and recompute the day
    the cutoff falls in (and whole channels whose last thread reply went)."""
    cutoff_day = day_of(cutoff)
    threaded_before = _threaded_channels(conn)
    pairs = {
        (r[0], r[1])
        for r in conn.execute(
            select(MEMBER_CHANNELS.c.channel_id, MEMBER_CHANNELS.c.user_id).where(
                MEMBER_CHANNELS.c.first_time < cutoff
            )
        )
    }
    conn.execute(delete(FACTS).where(FACTS.c.time < cutoff))
    conn.execute(delete(CHANNEL_DAYS).where(CHANNEL_DAYS.c.day < cutoff_day))
    conn.execute(delete(MEMBER_DAYS).where(MEMBER_DAYS.c.day < cutoff_day))
    keys = {(cid, cutoff_day) for cid in threaded_before} | {
        (r[0], cutoff_day)
        for r in conn.execute(select(CHANNEL_DAYS.c.channel_id).where(CHANNEL_DAYS.c.day == cutoff_day))
    }
    refresh(conn, keys)
    gone = threaded_before - _threaded_channels(conn)  # their last thread reply went: flat chat now
    if gone:
        bots = {r[0] for r in conn.execute(select(MemberRow.id).where(MemberRow.is_bot.is_(True)))}
        for cid in sorted(gone):
            every = {
                r[0] for r in conn.execute(select(CHANNEL_DAYS.c.day).where(CHANNEL_DAYS.c.channel_id == cid))
            }
            if every:
                _refresh_channel(conn, cid, every, bots, whole=True)
    by_channel: dict[str, set[str]] = defaultdict(set)
    for cid, uid in pairs:
        by_channel[cid].add(uid)
    for cid, users in by_channel.items():
        _member_channels(conn, cid, users)


def _threaded_channels(conn: Connection) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            select(CHANNEL_DAYS.c.channel_id).where(CHANNEL_DAYS.c.messages > CHANNEL_DAYS.c.top_level).distinct()
        )
    }


def _conversation(m: Any, bots: set[str]) -> bool:
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


def _message(row: Any) -> Message:
    """The message of a stored row as a refresh reads it (no raw text, files, edits or reply users), built without
    validation (the archive validated it when writing it): a refresh reads two or three rows per message stored."""
    return Message.model_construct(
        channel_id=row.channel_id,
        ts=row.ts,
        user_id=row.user_id,
        text=row.text,
        thread_ts=row.thread_ts,
        subtype=row.subtype,
        bot_id=row.bot_id,
        raw_text="",
        reactions=[_reaction(r) for r in row.reactions or []],
        reply_count=row.reply_count,
        reply_users=[],
        files=[],
        edited=None,
        deleted=row.deleted,
    )  # every field given: pydantic's defaults cost a signature inspection per call


def _reaction(r: dict[str, Any]) -> Reaction:
    return Reaction.model_construct(
        name=r.get("name", ""), users=list(r.get("users") or []), count=r.get("count", 0)
    )


def _load(conn: Connection, cid: str, days: list[int], bots: set[str]) -> list[Message]:
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
    for chunk in _chunks(tops):
        for row in conn.execute(
            select(*_COLUMNS).where(MESSAGES.c.channel_id == cid, MESSAGES.c.thread_ts.in_(list(chunk)))
        ):
            found.setdefault(row.ts, row)
    msgs = [_message(r) for r in found.values() if _conversation(r, bots)]
    msgs.sort(key=lambda m: float(m.ts))
    return msgs


def _replies_outside(conn: Connection, cid: str, dayset: set[int]) -> tuple[bool, bool]:
    """(the channel had thread replies, it has some on days other than these)."""
    rows = conn.execute(
        select(CHANNEL_DAYS.c.day)
        .where(CHANNEL_DAYS.c.channel_id == cid, CHANNEL_DAYS.c.messages > CHANNEL_DAYS.c.top_level)
        .limit(len(dayset) + 1)
    ).all()
    return bool(rows), any(r[0] not in dayset for r in rows)


def _runs(days: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted days as runs of consecutive days ``(first, last)``."""
    runs: list[tuple[int, int]] = []
    for d in sorted(days):
        if runs and d <= runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def _day_ranges(days: Sequence[int]) -> Iterator[Any]:
    """Conditions on the facts' ``time`` (indexed with the channel) covering these days, a few runs at a time."""
    runs = _runs(days)
    for start in range(0, len(runs), 50):
        yield or_(
            *(and_(FACTS.c.time >= a * DAY, FACTS.c.time < (b + 1) * DAY) for a, b in runs[start : start + 50])
        )


def _lock_channel(conn: Connection, cid: str) -> None:
    """PostgreSQL: one refresh of a channel's aggregates at a time (until the transaction ends), so two writers
    of the same channel never insert the same rows and the second one reads what the first committed. Channels
    are locked in sorted order; SQLite has one writer anyway."""
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"assistant:aggregates:{cid}".encode(), digest_size=8).digest()
    conn.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))


def _refresh_channel(conn: Connection, cid: str, days_in: set[int], bots: set[str], *, whole: bool = False) -> int:
    if not whole:
        _lock_channel(conn, cid)
    days = sorted(days_in)
    dayset = set(days)
    msgs = _load(conn, cid, days, bots)
    in_days = [m for m in msgs if day_of(float(m.ts)) in dayset]
    before, outside = _replies_outside(conn, cid, dayset)
    threaded = outside or any(m.is_reply for m in in_days)
    if threaded != before and not whole:  # every first reply in the channel is found another way now
        every = {r[0] for r in conn.execute(select(CHANNEL_DAYS.c.day).where(CHANNEL_DAYS.c.channel_id == cid))}
        return _refresh_channel(conn, cid, dayset | every, bots, whole=True)
    authors = {m.user_id for m in msgs if m.user_id}
    members: dict[str, Member] = {}
    for chunk in _chunks(sorted(authors)):
        for r in conn.execute(select(MemberRow).where(MemberRow.id.in_(list(chunk)))):
            members[r.id] = Member(id=r.id, name=r.name, real_name=r.real_name, display_name=r.display_name)
    replied = first_replies({cid: msgs}, members, {cid: threaded})
    replies = Counter(m.thread_ts for m in msgs if m.is_reply and m.thread_ts)
    moods: dict[str, tuple[str, float]] = {}
    for chunk in _chunks([m.ts for m in in_days]):
        for ts, payload in conn.execute(
            select(JudgmentRow.ts, JudgmentRow.payload).where(
                JudgmentRow.channel_id == cid, JudgmentRow.ts.in_(list(chunk))
            )
        ):
            sentiment = SentimentJudgment.model_validate((payload or {}).get("sentiment") or {})
            label = sentiment.mood_label
            moods[ts] = (label, float(sentiment.probs.get(label, 0.0)))
    facts: list[dict[str, Any]] = []
    for m in in_days:
        time = float(m.ts)
        first = replied.get((cid, m.ts))
        thread_replies = replies.get(m.ts, 0) if not m.is_reply else 0
        mood = moods.get(m.ts)
        facts.append(
            {
                "channel_id": cid,
                "ts": m.ts,
                "time": time,
                "day": day_of(time),
                "user_id": m.user_id,
                "top_level": not m.is_reply,
                "thread_replies": thread_replies,
                "depth": (thread_replies or m.reply_count) if m.is_thread_parent else 0,
                "wait_minutes": (first - m.time).total_seconds() / 60.0 if first is not None else None,
                "reactions": m.reaction_count,
                "mood": mood[0] if mood else None,
                "mood_prob": mood[1] if mood else 0.0,
            }
        )
    users = {f["user_id"] for f in facts}
    for cond in _day_ranges(days):
        users |= {
            r[0] for r in conn.execute(select(FACTS.c.user_id).where(FACTS.c.channel_id == cid, cond).distinct())
        }
        conn.execute(delete(FACTS).where(FACTS.c.channel_id == cid, cond))
    for chunk in _chunks(days):
        conn.execute(
            delete(CHANNEL_DAYS).where(CHANNEL_DAYS.c.channel_id == cid, CHANNEL_DAYS.c.day.in_(list(chunk)))
        )
        conn.execute(
            delete(MEMBER_DAYS).where(MEMBER_DAYS.c.channel_id == cid, MEMBER_DAYS.c.day.in_(list(chunk)))
        )
    if facts:
        conn.execute(FACTS.insert(), facts)
        conn.execute(CHANNEL_DAYS.insert(), _channel_days(cid, facts))
        conn.execute(MEMBER_DAYS.insert(), _member_days(cid, facts))
    _member_channels(conn, cid, users)
    return len(msgs)


def _channel_days(cid: str, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
                "judged": 0,
                "positive": 0,
                "neutral": 0,
                "negative": 0,
                "first_time": f["time"],
                "last_time": f["time"],
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


def _member_days(cid: str, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
                "judged": 0,
                "positive": 0,
                "neutral": 0,
                "negative": 0,
                "first_time": f["time"],
                "last_time": f["time"],
                "last_ts": f["ts"],
            }
        _add(row, f)
    return list(rows.values())


def _member_channels(conn: Connection, cid: str, users: set[str]) -> None:
    for chunk in _chunks(sorted(users)):
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
        if rows:
            conn.execute(MEMBER_CHANNELS.insert(), list(rows.values()))


# Reading -----------------------------------------------------------------------------------------------------------
@dataclass
class WindowStats:
    """Sums over a window (see ``AggregateReader.window``)."""

    messages: int = 0
    users: set[str] = field(default_factory=set)
    top_level: int = 0
    replied: int = 0
    waits: list[float] = field(default_factory=list)
    reactions: int = 0
    threads: int = 0
    depth_sum: int = 0
    depth_max: int = 0
    judged: int = 0
    positive: int = 0
    neutral: int = 0
    negative: int = 0


@dataclass
class MemberSpan:
    """One member's messages in one channel over a day (or a single message at a window's edge)."""

    channel_id: str
    user_id: str
    day: int
    messages: int
    last_time: float
    last_ts: str


def _split(start: float | None, end: float | None) -> tuple[int | None, int | None, bool]:
    """Whole days ``[d0, d1)`` inside ``[start, end)`` (None: unbounded), and whether there are any."""
    d0 = None if start is None else math.ceil(start / DAY)
    d1 = None if end is None else int(end // DAY)
    return d0, d1, d0 is None or d1 is None or d0 < d1


class AggregateReader:
    """Reads the aggregates of one archive (an engine); channel filters are lists of ids (None: every channel)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def newest(self) -> float | None:
        with self.engine.connect() as c:
            value = c.execute(select(func.max(CHANNEL_DAYS.c.last_time))).scalar()
        return float(value) if value is not None else None

    def channels_with_messages(self) -> set[str]:
        with self.engine.connect() as c:
            return {r[0] for r in c.execute(select(CHANNEL_DAYS.c.channel_id).distinct())}

    # Whole days and edges ------------------------------------------------------------------------------------------
    def _parts(self, start: float | None, end: float | None) -> tuple[Any, Any]:
        """(condition on ``day`` for the whole days, condition on ``time`` for the facts at the edges)."""
        d0, d1, whole = _split(start, end)
        if not whole:  # inside one day: facts only
            return None, and_(FACTS.c.time >= start, FACTS.c.time < end)
        day_conds = []
        edge_conds = []
        if d0 is not None:
            day_conds.append(("ge", d0))
            if start is not None and start < d0 * DAY:
                edge_conds.append(and_(FACTS.c.time >= start, FACTS.c.time < d0 * DAY))
        if d1 is not None:
            day_conds.append(("lt", d1))
            if end is not None and end > d1 * DAY:
                edge_conds.append(and_(FACTS.c.time >= d1 * DAY, FACTS.c.time < end))
        return day_conds, (or_(*edge_conds) if edge_conds else None)

    @staticmethod
    def _days(table: Any, conds: list[tuple[str, int]]) -> list[Any]:
        out = []
        for op, d in conds:
            out.append(table.c.day >= d if op == "ge" else table.c.day < d)
        return out

    def window(
        self,
        channel_ids: Sequence[str] | None,
        start: float | None,
        end: float | None,
        user_id: str | None = None,
    ) -> WindowStats:
        """Counts over ``[start, end)`` in these channels (of one author's messages with ``user_id``)."""
        stats = WindowStats()
        day_conds, edge = self._parts(start, end)
        with self.engine.connect() as c:
            if day_conds is not None:
                table = MEMBER_DAYS if user_id else CHANNEL_DAYS
                where = self._days(table, day_conds)
                if channel_ids is not None:
                    where.append(table.c.channel_id.in_(list(channel_ids)))
                if user_id:
                    where.append(table.c.user_id == user_id)
                for r in c.execute(select(table).where(*where)):
                    stats.messages += r.messages
                    stats.judged += r.judged
                    stats.positive += r.positive
                    stats.neutral += r.neutral
                    stats.negative += r.negative
                    if not user_id:
                        stats.top_level += r.top_level
                        stats.replied += r.replied
                        stats.waits.extend(r.waits or [])
                        stats.reactions += r.reactions
                        stats.threads += r.threads
                        stats.depth_sum += r.depth_sum
                        stats.depth_max = max(stats.depth_max, r.depth_max)
                if user_id:
                    if stats.messages:
                        stats.users.add(user_id)
                else:
                    uwhere = self._days(MEMBER_DAYS, day_conds)
                    if channel_ids is not None:
                        uwhere.append(MEMBER_DAYS.c.channel_id.in_(list(channel_ids)))
                    stats.users |= {
                        r[0] for r in c.execute(select(MEMBER_DAYS.c.user_id).where(*uwhere).distinct())
                    }
            if edge is not None:
                where = [edge]
                if channel_ids is not None:
                    where.append(FACTS.c.channel_id.in_(list(channel_ids)))
                if user_id:
                    where.append(FACTS.c.user_id == user_id)
                for f in c.execute(select(FACTS).where(*where)):
                    stats.messages += 1
                    stats.users.add(f.user_id)
                    if f.mood is not None:
                        stats.judged += 1
                        setattr(stats, f.mood, getattr(stats, f.mood) + 1)
                    stats.reactions += f.reactions
                    if f.top_level:
                        stats.top_level += 1
                        if f.wait_minutes is not None:
                            stats.replied += 1
                            stats.waits.append(f.wait_minutes)
                    if f.depth:
                        stats.threads += 1
                        stats.depth_sum += f.depth
                        stats.depth_max = max(stats.depth_max, f.depth)
        return stats

    def member_spans(
        self, channel_ids: Sequence[str] | None, start: float | None, end: float | None
    ) -> list[MemberSpan]:
        """Each member's messages per channel and day in ``[start, end)`` (edge messages one by one)."""
        out: list[MemberSpan] = []
        day_conds, edge = self._parts(start, end)
        with self.engine.connect() as c:
            if day_conds is not None:
                where = self._days(MEMBER_DAYS, day_conds)
                if channel_ids is not None:
                    where.append(MEMBER_DAYS.c.channel_id.in_(list(channel_ids)))
                cols = (
                    MEMBER_DAYS.c.channel_id,
                    MEMBER_DAYS.c.user_id,
                    MEMBER_DAYS.c.day,
                    MEMBER_DAYS.c.messages,
                    MEMBER_DAYS.c.last_time,
                    MEMBER_DAYS.c.last_ts,
                )
                out.extend(MemberSpan(*r) for r in c.execute(select(*cols).where(*where)))
            if edge is not None:
                where = [edge]
                if channel_ids is not None:
                    where.append(FACTS.c.channel_id.in_(list(channel_ids)))
                edge_cols = (FACTS.c.channel_id, FACTS.c.user_id, FACTS.c.day, FACTS.c.time, FACTS.c.ts)
                out.extend(
                    MemberSpan(cid, uid, day, 1, time, ts)
                    for cid, uid, day, time, ts in c.execute(select(*edge_cols).where(*where))
                )
        return out

    def posters(
        self, channel_ids: Sequence[str] | None, until: float | None, users: Sequence[str] | None = None
    ) -> dict[tuple[str, str], tuple[float, str]]:
        """(channel, member) -> (time, ts) of their first message there, for those who posted before ``until``."""
        where: list[Any] = []
        if users is not None:
            where.append(MEMBER_CHANNELS.c.user_id.in_(list(users)))
        if channel_ids is not None:
            where.append(MEMBER_CHANNELS.c.channel_id.in_(list(channel_ids)))
        if until is not None:
            where.append(MEMBER_CHANNELS.c.first_time < until)
        with self.engine.connect() as c:
            return {
                (r.channel_id, r.user_id): (r.first_time, r.first_ts)
                for r in c.execute(select(MEMBER_CHANNELS).where(*where))
            }

    def first_posts(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[float, str, bool]]:
        """(channel, member) -> (time, ts, whether someone replied) of their first message there."""
        wanted = sorted(set(pairs))
        out: dict[tuple[str, str], tuple[float, str, bool]] = {}
        with self.engine.connect() as c:
            for chunk in _chunks(wanted):
                q = (
                    select(MEMBER_CHANNELS, FACTS.c.wait_minutes)
                    .join(
                        FACTS,
                        and_(
                            FACTS.c.channel_id == MEMBER_CHANNELS.c.channel_id,
                            FACTS.c.ts == MEMBER_CHANNELS.c.first_ts,
                        ),
                    )
                    .where(tuple_(MEMBER_CHANNELS.c.channel_id, MEMBER_CHANNELS.c.user_id).in_(list(chunk)))
                )
                for r in c.execute(q):
                    out[(r.channel_id, r.user_id)] = (r.first_time, r.first_ts, r.wait_minutes is not None)
        return out

    def want_messages(self, channel_id: str, threshold: float) -> list[Message]:
        """The channel's conversation messages (those with facts) judged as wants, ``want.is_want`` or a score of
        at least ``threshold``, oldest first: what ``insights.wants.want_messages`` finds in a loaded snapshot."""
        from assistant.store.archive import _row_to_message

        judgments = cast(Table, JudgmentRow.__table__)
        is_want = judgments.c.payload[("want", "is_want")].as_boolean()
        q = (
            select(MESSAGES)
            .join(FACTS, and_(FACTS.c.channel_id == MESSAGES.c.channel_id, FACTS.c.ts == MESSAGES.c.ts))
            .join(
                judgments, and_(judgments.c.channel_id == MESSAGES.c.channel_id, judgments.c.ts == MESSAGES.c.ts)
            )
            .where(MESSAGES.c.channel_id == channel_id, or_(judgments.c.want >= threshold, is_want.is_(true())))
        )
        with self.engine.connect() as c:
            found = [_row_to_message(r) for r in c.execute(q)]
        found.sort(key=lambda m: float(m.ts))
        return found

    def best(
        self,
        channel_id: str,
        start: float | None,
        end: float | None,
        *,
        order: str,
        mood: str | None = None,
        user_id: str | None = None,
    ) -> str | None:
        """The ts of the top message in a window: ``order`` "busiest" (top-level, by thread replies plus
        reactions) or "mood" (of that mood label, by its probability); ties go to the later message."""
        where = [FACTS.c.channel_id == channel_id]
        if start is not None:
            where.append(FACTS.c.time >= start)
        if end is not None:
            where.append(FACTS.c.time < end)
        if user_id:
            where.append(FACTS.c.user_id == user_id)
        if order == "busiest":
            where.append(FACTS.c.top_level.is_(True))
            key: Any = (FACTS.c.thread_replies + FACTS.c.reactions).desc()
        else:
            where.append(FACTS.c.mood == mood)
            key = FACTS.c.mood_prob.desc()
        with self.engine.connect() as c:
            return c.execute(select(FACTS.c.ts).where(*where).order_by(key, FACTS.c.time.desc()).limit(1)).scalar()

    # Contributors -------------------------------------------------------------------------------------------------
    def _facts_window(
        self, channel_ids: Sequence[str] | None, start: float | None, end: float | None
    ) -> list[Any]:
        where: list[Any] = []
        if channel_ids is not None:
            where.append(FACTS.c.channel_id.in_(list(channel_ids)))
        if start is not None:
            where.append(FACTS.c.time >= start)
        if end is not None:
            where.append(FACTS.c.time < end)
        return where

    def reactions_by_member(
        self, channel_ids: Sequence[str] | None, start: float | None, end: float | None
    ) -> dict[str, int]:
        """Reactions each member's messages in ``[start, end)`` received (summed by the database)."""
        where = self._facts_window(channel_ids, start, end)
        q = select(FACTS.c.user_id, func.sum(FACTS.c.reactions)).where(*where).group_by(FACTS.c.user_id)
        with self.engine.connect() as c:
            return {uid: int(total or 0) for uid, total in c.execute(q)}

    def first_in_window(
        self, channel_ids: Sequence[str] | None, start: float | None, end: float | None
    ) -> dict[str, tuple[float, str, str]]:
        """Each member's first message in ``[start, end)``: (time, channel, ts), the earliest by time, then
        channel."""
        where = self._facts_window(channel_ids, start, end)
        firsts = select(FACTS.c.user_id, func.min(FACTS.c.time).label("t")).where(*where).group_by(FACTS.c.user_id)
        sub = firsts.subquery()
        q = (
            select(FACTS.c.user_id, FACTS.c.time, FACTS.c.channel_id, FACTS.c.ts)
            .join(sub, and_(FACTS.c.user_id == sub.c.user_id, FACTS.c.time == sub.c.t))
            .where(*where)
        )
        out: dict[str, tuple[float, str, str]] = {}
        with self.engine.connect() as c:
            for uid, time, cid, ts in c.execute(q):
                mark = (float(time), cid, ts)
                if uid not in out or mark < out[uid]:
                    out[uid] = mark
        return out

    def reacted(
        self, channel_ids: Sequence[str] | None, start: float | None, end: float | None
    ) -> list[tuple[str, float, str, str, int]]:
        """Messages in ``[start, end)`` that got reactions: (member, time, channel, ts, reactions)."""
        where = [*self._facts_window(channel_ids, start, end), FACTS.c.reactions > 0]
        q = select(FACTS.c.user_id, FACTS.c.time, FACTS.c.channel_id, FACTS.c.ts, FACTS.c.reactions).where(*where)
        with self.engine.connect() as c:
            return [(uid, float(t), cid, ts, int(n)) for uid, t, cid, ts, n in c.execute(q)]

    def replies_to_others(
        self, channel_ids: Sequence[str] | None, start: float | None, end: float | None
    ) -> list[tuple[str, float, str, str, int, str, str]]:
        """Thread replies in ``[start, end)`` to a conversation thread parent (``thread_ts == ts``) written by
        someone else: (member, time, channel, ts, reactions, thread ts, the parent's author)."""
        reply = MESSAGES.alias("reply")
        parent_fact = FACTS.alias("parent_fact")
        parent = MESSAGES.alias("parent")
        where = [
            *self._facts_window(channel_ids, start, end),
            FACTS.c.top_level.is_(False),
            parent_fact.c.user_id != FACTS.c.user_id,
        ]
        q = (
            select(
                FACTS.c.user_id,
                FACTS.c.time,
                FACTS.c.channel_id,
                FACTS.c.ts,
                FACTS.c.reactions,
                reply.c.thread_ts,
                parent_fact.c.user_id,
            )
            .join(reply, and_(reply.c.channel_id == FACTS.c.channel_id, reply.c.ts == FACTS.c.ts))
            .join(
                parent_fact,
                and_(parent_fact.c.channel_id == FACTS.c.channel_id, parent_fact.c.ts == reply.c.thread_ts),
            )
            .join(
                parent,
                and_(
                    parent.c.channel_id == parent_fact.c.channel_id,
                    parent.c.ts == parent_fact.c.ts,
                    parent.c.thread_ts == parent.c.ts,
                ),
            )
            .where(*where)
        )
        with self.engine.connect() as c:
            return [(u, float(t), cid, ts, int(n), th, pu) for u, t, cid, ts, n, th, pu in c.execute(q)]

    def askers_replies(self, threads: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[float, str]]]:
        """Of these threads (channel, thread ts), the conversation replies written by the thread parent's own
        author: (time, text), by thread (where an asker thanks whoever answered)."""
        wanted = sorted(set(threads))
        reply = MESSAGES.alias("reply")
        parent = MESSAGES.alias("parent")
        out: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
        with self.engine.connect() as c:
            for chunk in _chunks(wanted):
                q = (
                    select(reply.c.channel_id, reply.c.thread_ts, FACTS.c.time, reply.c.text)
                    .join(FACTS, and_(FACTS.c.channel_id == reply.c.channel_id, FACTS.c.ts == reply.c.ts))
                    .join(
                        parent,
                        and_(parent.c.channel_id == reply.c.channel_id, parent.c.ts == reply.c.thread_ts),
                    )
                    .where(
                        tuple_(reply.c.channel_id, reply.c.thread_ts).in_(list(chunk)),
                        FACTS.c.top_level.is_(False),
                        reply.c.user_id == parent.c.user_id,
                    )
                )
                for cid, thread_ts, time, text in c.execute(q):
                    out[(cid, thread_ts)].append((float(time), text))
        return dict(out)

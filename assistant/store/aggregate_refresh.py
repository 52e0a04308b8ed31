"""Writing the aggregates: the (channel, day) keys a change touches, their recomputation, mood updates, the full
rebuild and retention's cut. Every entry point runs in the caller's transaction (the archive's write).

How one channel's days are read and summed is in ``aggregate_rows``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, select, update

from assistant.domain import Member, Message
from assistant.domain.judgments import SentimentJudgment
from assistant.store.aggregate_helpful import last_thanks, mark_replies, with_reply_days
from assistant.store.aggregate_rows import (
    channel_day_rows,
    day_ranges,
    load_messages,
    member_day_rows,
    replies_outside,
    write_member_channels,
)
from assistant.store.aggregate_tables import (
    CHANNEL_DAYS,
    FACTS,
    LONG_MESSAGE_CHARS,
    MEMBER_CHANNELS,
    MEMBER_DAYS,
    MESSAGES,
    chunks,
    day_of,
)
from assistant.store.aggregate_themes import forget_themes_before
from assistant.store.first_replies import first_replies
from assistant.store.schema import JudgmentRow, MemberRow

logger = logging.getLogger("assistant.store.aggregates")


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
    return sum(
        _refresh_channel(conn, cid, with_reply_days(conn, cid, days), bots)
        for cid, days in sorted(by_channel.items())
    )


def judged(conn: Connection, verdicts: Mapping[tuple[str, str], tuple[str, float, float, bool]]) -> int:
    """Judgments were saved: ``verdicts`` maps each judged message to its mood label, that label's probability
    (``SentimentJudgment.mood_label``), its want score and ``is_want``. A judgment changes nothing else the
    aggregates hold, so only the facts whose verdict changed are updated and the mood counts of the days whose
    moods changed recounted, instead of a ``refresh`` of those days. Returns how many facts changed."""
    by_channel: dict[str, dict[str, tuple[str, float, float, bool]]] = defaultdict(dict)
    for (cid, ts), verdict in verdicts.items():
        by_channel[cid][ts] = verdict
    changed_total = 0
    for cid, wanted in sorted(by_channel.items()):
        _lock_channel(conn, cid)
        changed: list[dict[str, Any]] = []
        days: set[int] = set()
        for chunk in chunks(sorted(wanted)):
            cols = (FACTS.c.ts, FACTS.c.day, FACTS.c.mood, FACTS.c.mood_prob, FACTS.c.want, FACTS.c.is_want)
            for ts, day, mood, prob, want, is_want in conn.execute(
                select(*cols).where(FACTS.c.channel_id == cid, FACTS.c.ts.in_(list(chunk)))
            ):
                label, p, score, flag = wanted[ts]
                if (mood, prob, want, bool(is_want)) != (label, p, score, flag):
                    changed.append({"b_ts": ts, "b_mood": label, "b_prob": p, "b_want": score, "b_is_want": flag})
                    if (mood, prob) != (label, p):
                        days.add(day)
        if not changed:
            continue
        conn.execute(
            update(FACTS)
            .where(FACTS.c.channel_id == cid, FACTS.c.ts == bindparam("b_ts"))
            .values(
                mood=bindparam("b_mood"),
                mood_prob=bindparam("b_prob"),
                want=bindparam("b_want"),
                is_want=bindparam("b_is_want"),
            ),
            changed,
        )
        if days:
            _recount_moods(conn, cid, sorted(days))
        changed_total += len(changed)
    return changed_total


def _recount_moods(conn: Connection, cid: str, days: list[int]) -> None:
    """The mood counts of these days of a channel (and of each member there), from its facts."""
    empty = {"judged": 0, "positive": 0, "neutral": 0, "negative": 0}
    per_day: dict[int, dict[str, int]] = {d: dict(empty) for d in days}
    per_member: dict[tuple[str, int], dict[str, int]] = {}
    for cond in day_ranges(days):
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
    orphaned = _replies_to_forgotten(conn, cutoff)
    conn.execute(delete(FACTS).where(FACTS.c.time < cutoff))
    forget_themes_before(conn, cutoff)
    conn.execute(delete(CHANNEL_DAYS).where(CHANNEL_DAYS.c.day < cutoff_day))
    conn.execute(delete(MEMBER_DAYS).where(MEMBER_DAYS.c.day < cutoff_day))
    keys = (
        orphaned
        | {(cid, cutoff_day) for cid in threaded_before}
        | {
            (r[0], cutoff_day)
            for r in conn.execute(select(CHANNEL_DAYS.c.channel_id).where(CHANNEL_DAYS.c.day == cutoff_day))
        }
    )
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
        write_member_channels(conn, cid, users)


def _replies_to_forgotten(conn: Connection, cutoff: float) -> set[tuple[str, int]]:
    """The (channel, day) of replies kept whose thread parent retention deletes: no longer replies to others."""
    parent = FACTS.alias("parent_fact")
    q = (
        select(FACTS.c.channel_id, FACTS.c.day)
        .join(parent, and_(parent.c.channel_id == FACTS.c.channel_id, parent.c.ts == FACTS.c.thread_ts))
        .where(FACTS.c.to_other.is_(True), FACTS.c.time >= cutoff, parent.c.time < cutoff)
        .distinct()
    )
    return {(cid, int(day)) for cid, day in conn.execute(q)}


def _threaded_channels(conn: Connection) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            select(CHANNEL_DAYS.c.channel_id).where(CHANNEL_DAYS.c.messages > CHANNEL_DAYS.c.top_level).distinct()
        )
    }


def _lock_channel(conn: Connection, cid: str) -> None:
    """PostgreSQL: one refresh of a channel's aggregates at a time (until the transaction ends), so two writers
    of the same channel never insert the same rows and the second one reads what the first committed. Channels
    are locked in sorted order; SQLite has one writer anyway."""
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"assistant:aggregates:{cid}".encode(), digest_size=8).digest()
    conn.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))


def _refresh_channel(
    conn: Connection,
    cid: str,
    days_in: set[int],
    bots: set[str],
    *,
    whole: bool = False,
    loaded: list[Message] | None = None,
) -> int:
    """``loaded``: what ``load_messages`` reads for these days, when already read in this transaction."""
    if not whole:
        _lock_channel(conn, cid)
    days = sorted(days_in)
    dayset = set(days)
    msgs = loaded if loaded is not None else load_messages(conn, cid, days, bots)
    in_days = [m for m in msgs if day_of(float(m.ts)) in dayset]
    before, outside = replies_outside(conn, cid, dayset)
    threaded = outside or any(m.is_reply for m in in_days)
    if threaded != before and not whole:  # every first reply in the channel is found another way now
        every = {r[0] for r in conn.execute(select(CHANNEL_DAYS.c.day).where(CHANNEL_DAYS.c.channel_id == cid))}
        # a new channel's first import: no other day, so the messages read are the ones the whole channel needs
        same = msgs if every <= dayset else None
        return _refresh_channel(conn, cid, dayset | every, bots, whole=True, loaded=same)
    authors = {m.user_id for m in msgs if m.user_id}
    members: dict[str, Member] = {}
    for chunk in chunks(sorted(authors)):
        for r in conn.execute(select(MemberRow).where(MemberRow.id.in_(list(chunk)))):
            members[r.id] = Member(id=r.id, name=r.name, real_name=r.real_name, display_name=r.display_name)
    replied = first_replies({cid: msgs}, members, {cid: threaded})
    replies = Counter(m.thread_ts for m in msgs if m.is_reply and m.thread_ts)
    thanked = last_thanks(msgs)
    moods: dict[str, tuple[str, float]] = {}
    wants: dict[str, tuple[float, bool]] = {}
    for chunk in chunks([m.ts for m in in_days]):
        for ts, want, payload in conn.execute(
            select(JudgmentRow.ts, JudgmentRow.want, JudgmentRow.payload).where(
                JudgmentRow.channel_id == cid, JudgmentRow.ts.in_(list(chunk))
            )
        ):
            sentiment = SentimentJudgment.model_validate((payload or {}).get("sentiment") or {})
            label = sentiment.mood_label
            moods[ts] = (label, float(sentiment.probs.get(label, 0.0)))
            wants[ts] = (float(want), bool(((payload or {}).get("want") or {}).get("is_want")))
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
                "thread_ts": m.thread_ts if m.is_reply else None,
                "thanked_at": None if m.is_reply else thanked.get(m.ts),
                "want": wants[m.ts][0] if m.ts in wants else None,
                "is_want": wants.get(m.ts, (0.0, False))[1],
            }
        )
    mark_replies(conn, cid, facts, dayset)
    users = {f["user_id"] for f in facts}
    for cond in day_ranges(days):
        users |= {
            r[0] for r in conn.execute(select(FACTS.c.user_id).where(FACTS.c.channel_id == cid, cond).distinct())
        }
        conn.execute(delete(FACTS).where(FACTS.c.channel_id == cid, cond))
    for chunk in chunks(days):
        conn.execute(
            delete(CHANNEL_DAYS).where(CHANNEL_DAYS.c.channel_id == cid, CHANNEL_DAYS.c.day.in_(list(chunk)))
        )
        conn.execute(
            delete(MEMBER_DAYS).where(MEMBER_DAYS.c.channel_id == cid, MEMBER_DAYS.c.day.in_(list(chunk)))
        )
    if facts:
        conn.execute(FACTS.insert(), facts)
        conn.execute(CHANNEL_DAYS.insert(), channel_day_rows(cid, facts))
        long = {m.ts for m in in_days if len(m.text) >= LONG_MESSAGE_CHARS}
        conn.execute(MEMBER_DAYS.insert(), member_day_rows(cid, facts, long))
    write_member_channels(conn, cid, users)
    return len(msgs)

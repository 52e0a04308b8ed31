"""Reading the aggregates over a window ``[start, end)``: whole UTC days from the day tables, the partial days at
its two ends from ``message_facts`` (O(days in the window) rows, on indexes). Contributor queries are in
``aggregate_contributors``, milestone queries in ``aggregate_milestones``, twinning queries in
``aggregate_members``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, and_, bindparam, func, or_, select, true

from assistant.domain import Message
from assistant.store.aggregate_contributors import ContributorQueries
from assistant.store.aggregate_members import MemberQueries
from assistant.store.aggregate_milestones import MilestoneQueries
from assistant.store.aggregate_tables import (
    CHANNEL_DAYS,
    DAY,
    FACTS,
    MEMBER_CHANNELS,
    MEMBER_DAYS,
    MESSAGES,
    per_channel,
    stored_message,
)
from assistant.store.aggregate_themes import ChannelThemes, read_channel


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


class AggregateReader(ContributorQueries, MilestoneQueries, MemberQueries):
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

    def _member_window(
        self,
        channel_ids: Sequence[str] | None,
        start: float | None,
        end: float | None,
        users: Sequence[str] | None,
    ) -> tuple[list[Any] | None, list[Any] | None]:
        """The conditions on the member days for the whole days of ``[start, end)`` and on the facts for its edges
        (None where there are none), restricted to these channels and members."""
        day_conds, edge = self._parts(start, end)
        days = edges = None
        if day_conds is not None:
            days = self._days(MEMBER_DAYS, day_conds)
            if channel_ids is not None:
                days.append(MEMBER_DAYS.c.channel_id.in_(list(channel_ids)))
            if users is not None:
                days.append(MEMBER_DAYS.c.user_id.in_(list(users)))
        if edge is not None:
            edges = [edge]
            if channel_ids is not None:
                edges.append(FACTS.c.channel_id.in_(list(channel_ids)))
            if users is not None:
                edges.append(FACTS.c.user_id.in_(list(users)))
        return days, edges

    def active_days(
        self,
        channel_ids: Sequence[str] | None,
        start: float | None,
        end: float | None,
        users: Sequence[str],
    ) -> set[tuple[str, int]]:
        """The (member, day) pairs on which these members (at most ``CHUNK``) posted in ``[start, end)``: distinct
        by the database, so a member active in many channels a day costs one row, not one per channel."""
        out: set[tuple[str, int]] = set()
        days, edges = self._member_window(channel_ids, start, end, users)
        with self.engine.connect() as c:
            if days is not None:
                q = select(MEMBER_DAYS.c.user_id, MEMBER_DAYS.c.day).where(*days).distinct()
                out.update((uid, int(day)) for uid, day in c.execute(q))
            if edges is not None:
                q = select(FACTS.c.user_id, FACTS.c.day).where(*edges).distinct()
                out.update((uid, int(day)) for uid, day in c.execute(q))
        return out

    def member_spans(
        self,
        channel_ids: Sequence[str] | None,
        start: float | None,
        end: float | None,
        users: Sequence[str] | None = None,
    ) -> list[MemberSpan]:
        """Each member's messages per channel and day in ``[start, end)`` (edge messages one by one); only these
        members' when ``users`` is given (at most ``CHUNK`` of them)."""
        out: list[MemberSpan] = []
        days, edges = self._member_window(channel_ids, start, end, users)
        with self.engine.connect() as c:
            if days is not None:
                cols = (
                    MEMBER_DAYS.c.channel_id,
                    MEMBER_DAYS.c.user_id,
                    MEMBER_DAYS.c.day,
                    MEMBER_DAYS.c.messages,
                    MEMBER_DAYS.c.last_time,
                    MEMBER_DAYS.c.last_ts,
                )
                out.extend(MemberSpan(*r) for r in c.execute(select(*cols).where(*days)))
            if edges is not None:
                edge_cols = (FACTS.c.channel_id, FACTS.c.user_id, FACTS.c.day, FACTS.c.time, FACTS.c.ts)
                out.extend(
                    MemberSpan(cid, uid, day, 1, time, ts)
                    for cid, uid, day, time, ts in c.execute(select(*edge_cols).where(*edges))
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
        out: dict[tuple[str, str], tuple[float, str, bool]] = {}
        with self.engine.connect() as c:
            for channel_id, chunk in per_channel(pairs):
                q = (
                    select(MEMBER_CHANNELS, FACTS.c.wait_minutes)
                    .join(
                        FACTS,
                        and_(
                            FACTS.c.channel_id == MEMBER_CHANNELS.c.channel_id,
                            FACTS.c.ts == MEMBER_CHANNELS.c.first_ts,
                        ),
                    )
                    .where(MEMBER_CHANNELS.c.channel_id == channel_id, MEMBER_CHANNELS.c.user_id.in_(chunk))
                )
                for r in c.execute(q):
                    out[(r.channel_id, r.user_id)] = (r.first_time, r.first_ts, r.wait_minutes is not None)
        return out

    def message(self, channel_id: str, ts: str) -> Message | None:
        """One stored message by its key, built without validation (``stored_message``): answers cite a few
        hundred, which the ORM's validating read made a tenth of a digest at 100k."""
        with self.engine.connect() as c:
            row = c.execute(_ONE, {"cid": channel_id, "ts": ts}).first()
        return stored_message(row) if row is not None else None

    def want_messages(self, channel_id: str, threshold: float) -> list[Message]:
        """The channel's conversation messages (those with facts) judged as wants, ``want.is_want`` or a score of
        at least ``threshold`` (the facts keep both), oldest first: what ``insights.wants.want_messages`` finds in
        a loaded snapshot. Built without validation (``stored_message``): every want of the channel is read, a
        thousand at 100k."""
        q = (
            select(MESSAGES)
            .join(FACTS, and_(FACTS.c.channel_id == MESSAGES.c.channel_id, FACTS.c.ts == MESSAGES.c.ts))
            .where(FACTS.c.channel_id == channel_id, or_(FACTS.c.want >= threshold, FACTS.c.is_want.is_(true())))
        )
        with self.engine.connect() as c:
            found = [stored_message(r) for r in c.execute(q)]
        found.sort(key=lambda m: float(m.ts))
        return found

    def want_themes(self, channel_id: str) -> ChannelThemes:
        """The channel's stored want themes and members (``assistant.store.aggregate_themes``)."""
        with self.engine.connect() as c:
            return read_channel(c, channel_id)

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


#: One message by its key (compiled once).
_ONE = select(MESSAGES).where(MESSAGES.c.channel_id == bindparam("cid"), MESSAGES.c.ts == bindparam("ts"))

"""Contributor queries over the aggregates (who reacted, replied to others, was thanked, posted first): a mixin of
``AggregateReader``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, and_, case, func, or_, select

from assistant.store.aggregate_tables import CHUNK, FACTS, MEMBER_CHANNELS, MESSAGES, per_channel


class ContributorQueries:
    """The contributor reads of ``AggregateReader`` (``engine``: the archive's)."""

    engine: Engine

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

    def whole_history(self, start: float | None, end: float | None) -> bool:
        """Whether ``[start, end)`` holds every stored message: then the stored totals (``member_channels``, one
        row per member and channel) answer instead of the facts."""
        if start is not None:
            return False
        newest = None if end is None else self.newest()  # type: ignore[attr-defined]  # AggregateReader's
        return newest is None or newest < end

    def _member_channels(self, channel_ids: Sequence[str] | None, *columns: Any) -> list[Any]:
        q = select(MEMBER_CHANNELS.c.user_id, *columns)
        if channel_ids is not None:
            q = q.where(MEMBER_CHANNELS.c.channel_id.in_(list(channel_ids)))
        with self.engine.connect() as c:
            return list(c.execute(q))

    def member_totals(
        self, channel_ids: Sequence[str] | None, start: float | None, end: float | None
    ) -> dict[str, tuple[int, int, int]]:
        """Per member, in ``[start, end)``: (messages, reactions they received, thread replies), counted by the
        database in one pass (summed from the stored totals over the whole history); the contributor ranking's
        bounds."""
        if self.whole_history(start, end):
            out: dict[str, tuple[int, int, int]] = {}
            cols = (MEMBER_CHANNELS.c.messages, MEMBER_CHANNELS.c.reactions, MEMBER_CHANNELS.c.replies)
            for uid, n, r, t in self._member_channels(channel_ids, *cols):
                held = out.get(uid, (0, 0, 0))
                out[uid] = (held[0] + int(n), held[1] + int(r), held[2] + int(t))
            return out
        where = self._facts_window(channel_ids, start, end)
        replies = func.sum(case((FACTS.c.top_level.is_(False), 1), else_=0))
        q = (
            select(FACTS.c.user_id, func.count(), func.sum(FACTS.c.reactions), replies)
            .where(*where)
            .group_by(FACTS.c.user_id)
        )
        with self.engine.connect() as c:
            return {uid: (int(n), int(r or 0), int(t or 0)) for uid, n, r, t in c.execute(q)}

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
        channel (over the whole history: of their first messages in each channel)."""
        out: dict[str, tuple[float, str, str]] = {}
        if self.whole_history(start, end):
            cols = (MEMBER_CHANNELS.c.first_time, MEMBER_CHANNELS.c.channel_id, MEMBER_CHANNELS.c.first_ts)
            for uid, time, cid, ts in self._member_channels(channel_ids, *cols):
                mark = (float(time), cid, ts)
                if uid not in out or mark < out[uid]:
                    out[uid] = mark
            return out
        where = self._facts_window(channel_ids, start, end)
        firsts = select(FACTS.c.user_id, func.min(FACTS.c.time).label("t")).where(*where).group_by(FACTS.c.user_id)
        sub = firsts.subquery()
        q = (
            select(FACTS.c.user_id, FACTS.c.time, FACTS.c.channel_id, FACTS.c.ts)
            .join(sub, and_(FACTS.c.user_id == sub.c.user_id, FACTS.c.time == sub.c.t))
            .where(*where)
        )
        with self.engine.connect() as c:
            for uid, time, cid, ts in c.execute(q):
                mark = (float(time), cid, ts)
                if uid not in out or mark < out[uid]:
                    out[uid] = mark
        return out

    def reacted(
        self,
        channel_ids: Sequence[str] | None,
        start: float | None,
        end: float | None,
        users: Sequence[str] | None = None,
    ) -> list[tuple[str, float, str, str, int]]:
        """Messages in ``[start, end)`` that got reactions: (member, time, channel, ts, reactions); only these
        members' when ``users`` is given."""
        out: list[tuple[str, float, str, str, int]] = []
        with self.engine.connect() as c:
            for who in _by_users(users):
                where = [*self._facts_window(channel_ids, start, end), FACTS.c.reactions > 0, *who]
                cols = (FACTS.c.user_id, FACTS.c.time, FACTS.c.channel_id, FACTS.c.ts, FACTS.c.reactions)
                out.extend(
                    (uid, float(t), cid, ts, int(n))
                    for uid, t, cid, ts, n in c.execute(select(*cols).where(*where))
                )
        return out

    def reply_totals(
        self, channel_ids: Sequence[str] | None, users: Sequence[str] | None = None
    ) -> dict[str, tuple[int, int]]:
        """Per member over the whole history: (replies to others, helpful ones), from the stored totals."""
        cols = (MEMBER_CHANNELS.c.to_others, MEMBER_CHANNELS.c.helpful)
        wanted = None if users is None else set(users)
        out: dict[str, tuple[int, int]] = {}
        for uid, n, h in self._member_channels(channel_ids, *cols):
            if wanted is None or uid in wanted:
                held = out.get(uid, (0, 0))
                out[uid] = (held[0] + int(n), held[1] + int(h))
        return out

    def best_message(
        self, channel_ids: Sequence[str] | None, user: str
    ) -> tuple[int, tuple[float, str, str]] | None:
        """A member's best message over the whole history: the most reactions plus 3 when helpful, the earliest
        (time, channel, ts) among equals; None when none got a reaction or helped."""
        weight = FACTS.c.reactions + case((FACTS.c.helpful.is_(True), 3), else_=0)
        where = [FACTS.c.user_id == user, or_(FACTS.c.reactions > 0, FACTS.c.helpful.is_(True))]
        if channel_ids is not None:
            where.append(FACTS.c.channel_id.in_(list(channel_ids)))
        q = (
            select(weight, FACTS.c.time, FACTS.c.channel_id, FACTS.c.ts)
            .where(*where)
            .order_by(weight.desc(), FACTS.c.time)
        )
        best: tuple[int, tuple[float, str, str]] | None = None
        with self.engine.connect() as c:
            for w, time, cid, ts in c.execute(q):  # by weight, then time: stop past the best's
                mark = (float(time), cid, ts)
                if best is not None and (int(w) < best[0] or mark[0] > best[1][0]):
                    break
                if best is None or mark < best[1]:
                    best = (int(w), mark)
        return best

    def helpful_replies(
        self,
        channel_ids: Sequence[str] | None,
        start: float | None,
        end: float | None,
        users: Sequence[str] | None = None,
    ) -> tuple[dict[str, int], list[tuple[str, float, str, str, int]]]:
        """Thread replies in ``[start, end)`` to a conversation thread parent written by someone else: how many
        each member wrote, and the helpful ones (member, time, channel, ts, reactions), those with a reaction or
        thanked later in the thread by the parent's author; only these members' replies when ``users`` is given.
        Read from the facts' stored ``to_other`` and ``helpful`` (``aggregate_helpful.mark_replies`` decides them)."""
        counts: dict[str, int] = {}
        helped: list[tuple[str, float, str, str, int]] = []
        with self.engine.connect() as c:
            for who in _by_users(users):
                where = [*self._facts_window(channel_ids, start, end), FACTS.c.to_other.is_(True), *who]
                q = select(FACTS.c.user_id, func.count()).where(*where).group_by(FACTS.c.user_id)
                counts.update((uid, int(n)) for uid, n in c.execute(q))
                cols = (FACTS.c.user_id, FACTS.c.time, FACTS.c.channel_id, FACTS.c.ts, FACTS.c.reactions)
                q = select(*cols).where(*where, FACTS.c.helpful.is_(True))
                helped.extend((u, float(t), cid, ts, int(n)) for u, t, cid, ts, n in c.execute(q))
        return counts, helped

    def askers_replies(self, threads: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[float, str]]]:
        """Of these threads (channel, thread ts), the conversation replies written by the thread parent's own
        author: (time, text), by thread (where an asker thanks whoever answered)."""
        reply = MESSAGES.alias("reply")
        parent = MESSAGES.alias("parent")
        out: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
        with self.engine.connect() as c:
            for channel_id, chunk in per_channel(threads):
                q = (
                    select(reply.c.channel_id, reply.c.thread_ts, FACTS.c.time, reply.c.text)
                    .join(FACTS, and_(FACTS.c.channel_id == reply.c.channel_id, FACTS.c.ts == reply.c.ts))
                    .join(
                        parent,
                        and_(parent.c.channel_id == reply.c.channel_id, parent.c.ts == reply.c.thread_ts),
                    )
                    .where(
                        reply.c.channel_id == channel_id,
                        reply.c.thread_ts.in_(chunk),
                        FACTS.c.top_level.is_(False),
                        reply.c.user_id == parent.c.user_id,
                    )
                )
                for cid, thread_ts, time, text in c.execute(q):
                    out[(cid, thread_ts)].append((float(time), text))
        return dict(out)


def _by_users(users: Sequence[str] | None) -> list[list[Any]]:
    """The conditions of one query per chunk of ``users`` (one query without a condition when ``None``)."""
    if users is None:
        return [[]]
    ordered = sorted(set(users))
    return [[FACTS.c.user_id.in_(list(ordered[i : i + CHUNK]))] for i in range(0, len(ordered), CHUNK)]

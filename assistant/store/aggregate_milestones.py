"""Milestone queries over the aggregates (``assistant.insights.milestones``): a mixin of ``AggregateReader``.

They read what a window's milestones need and no more: channel message counts before the window from the day
rows (and the facts of the window's first partial day), the window's message times, the threads that got a reply
in the window (their parent and replies up to the window's end), which of a few members answered helpfully before
the window, and members' home channels from their member-day counts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, and_, func, select

from assistant.domain import Message
from assistant.store.aggregate_tables import (
    CHANNEL_DAYS,
    DAY,
    FACTS,
    MEMBER_CHANNELS,
    MESSAGES,
    chunks,
    per_channel,
    replies_to_others,
)


class MilestoneQueries:
    """The milestone reads of ``AggregateReader`` (``engine``: the archive's)."""

    engine: Engine

    def message_counts_before(self, channel_ids: Sequence[str], until: float) -> dict[str, int]:
        """Conversation messages per channel before ``until``: whole days from ``channel_days``, the rest of
        ``until``'s own day from ``message_facts``."""
        day = int(until // DAY)
        out: dict[str, int] = defaultdict(int)
        with self.engine.connect() as c:
            for chunk in chunks(list(channel_ids)):
                whole = (
                    select(CHANNEL_DAYS.c.channel_id, func.sum(CHANNEL_DAYS.c.messages))
                    .where(CHANNEL_DAYS.c.channel_id.in_(list(chunk)), CHANNEL_DAYS.c.day < day)
                    .group_by(CHANNEL_DAYS.c.channel_id)
                )
                for cid, n in c.execute(whole):
                    out[cid] += int(n or 0)
                edge = (
                    select(FACTS.c.channel_id, func.count())
                    .where(FACTS.c.channel_id.in_(list(chunk)), FACTS.c.time >= day * DAY, FACTS.c.time < until)
                    .group_by(FACTS.c.channel_id)
                )
                for cid, n in c.execute(edge):
                    out[cid] += int(n or 0)
        return dict(out)

    def message_times(self, channel_ids: Sequence[str], start: float, end: float) -> dict[str, list[float]]:
        """The times of each channel's conversation messages in ``[start, end)``, oldest first."""
        out: dict[str, list[float]] = defaultdict(list)
        with self.engine.connect() as c:
            for chunk in chunks(list(channel_ids)):
                q = select(FACTS.c.channel_id, FACTS.c.time).where(
                    FACTS.c.channel_id.in_(list(chunk)), FACTS.c.time >= start, FACTS.c.time < end
                )
                for cid, time in c.execute(q):
                    out[cid].append(float(time))
        for times in out.values():
            times.sort()
        return dict(out)

    def threads_replied(self, channel_ids: Sequence[str], start: float, end: float) -> list[Message]:
        """The threads with a conversation reply in ``[start, end)``: each one's parent and every reply, the
        conversation messages (those with facts) before ``end``, ordered like the snapshot's (time, channel)."""
        from assistant.store.messages import row_to_message

        with self.engine.connect() as c:
            threads: set[tuple[str, str]] = set()
            for chunk in chunks(list(channel_ids)):
                q = (
                    select(MESSAGES.c.channel_id, MESSAGES.c.thread_ts)
                    .join(FACTS, and_(FACTS.c.channel_id == MESSAGES.c.channel_id, FACTS.c.ts == MESSAGES.c.ts))
                    .where(
                        FACTS.c.channel_id.in_(list(chunk)),
                        FACTS.c.time >= start,
                        FACTS.c.time < end,
                        FACTS.c.top_level.is_(False),
                    )
                    .distinct()
                )
                threads |= {(cid, th) for cid, th in c.execute(q) if th is not None}
            found: dict[tuple[str, str], Message] = {}
            for channel_id, part in per_channel(threads):
                for column in (MESSAGES.c.thread_ts, MESSAGES.c.ts):  # the replies, then the parents
                    q = (
                        select(MESSAGES, FACTS.c.time.label("fact_time"))
                        .join(
                            FACTS, and_(FACTS.c.channel_id == MESSAGES.c.channel_id, FACTS.c.ts == MESSAGES.c.ts)
                        )
                        .where(MESSAGES.c.channel_id == channel_id, column.in_(part))
                    )
                    for row in c.execute(q):
                        if row.fact_time < end:
                            found[(row.channel_id, row.ts)] = row_to_message(row)
        return sorted(found.values(), key=lambda m: (float(m.ts), m.channel_id))

    def helped_before(
        self, users: Iterable[str], channel_ids: Sequence[str], before: float, end: float, thanks: re.Pattern[str]
    ) -> set[str]:
        """Of ``users``, those with a helpful answer before ``before``: a conversation reply in someone else's
        thread (its parent a conversation message) that got a reaction, or that the parent's author thanked
        (a reply of theirs matching ``thanks``) later and before ``end``."""
        wanted = sorted(set(users))
        if not wanted:
            return set()
        reply = MESSAGES.alias("reply")
        found: set[str] = set()
        unreacted: list[tuple[str, float, str, str]] = []
        with self.engine.connect() as c:
            for chunk in chunks(wanted):
                columns = (FACTS.c.user_id, FACTS.c.time, FACTS.c.reactions, reply.c.channel_id, reply.c.thread_ts)
                q = replies_to_others(select(*columns), FACTS.alias("parent_fact"), reply).where(
                    FACTS.c.user_id.in_(list(chunk)),
                    FACTS.c.channel_id.in_(list(channel_ids)),
                    FACTS.c.time < before,
                )
                for uid, time, reactions, cid, thread_ts in c.execute(q):
                    if reactions > 0:
                        found.add(uid)
                    else:
                        unreacted.append((uid, float(time), cid, thread_ts))
        rest = [r for r in unreacted if r[0] not in found]
        if not rest:
            return found
        said = self.askers_replies((cid, th) for _, _, cid, th in rest)  # type: ignore[attr-defined]
        for uid, time, cid, thread_ts in rest:
            if uid in found:
                continue
            if any(time < t < end and thanks.search(text) for t, text in said.get((cid, thread_ts), [])):
                found.add(uid)
        return found

    def home_channels(self, channel_ids: Sequence[str], users: Iterable[str]) -> dict[str, str]:
        """Each of ``users``' main channel among these: where they posted most (every day counted), the one they
        posted in first on a tie (as counting their messages in time order finds it). One row per member and
        channel: ``member_channels`` holds each member's totals there (the sums of their ``member_days``)."""
        wanted = sorted(set(users))
        per_user: dict[str, dict[str, tuple[int, float]]] = defaultdict(dict)
        with self.engine.connect() as c:
            for chunk in chunks(wanted):
                q: Any = select(
                    MEMBER_CHANNELS.c.user_id,
                    MEMBER_CHANNELS.c.channel_id,
                    MEMBER_CHANNELS.c.messages,
                    MEMBER_CHANNELS.c.first_ts,
                ).where(
                    MEMBER_CHANNELS.c.user_id.in_(list(chunk)), MEMBER_CHANNELS.c.channel_id.in_(list(channel_ids))
                )
                for uid, cid, n, ts in c.execute(q):
                    if n:
                        per_user[uid][cid] = (int(n), float(ts))
        return {
            uid: min(per, key=lambda cid: (-per[cid][0], per[cid][1], cid)) for uid, per in per_user.items() if per
        }

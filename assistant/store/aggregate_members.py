"""Who-should-meet queries (``assistant.insights.twinning``): a mixin of ``AggregateReader``.

Twins compare the most active members' latest messages, so they read at most ``members × messages per member``
conversation messages, however large the archive: who wrote most (counted by the database), those members'
latest messages, who already talks to whom among them (thread replies counted by the database, and the few
messages that mention someone), and the answers of the members finally paired.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Engine, and_, bindparam, func, or_, select

from assistant.domain import Message
from assistant.store.aggregate_tables import (
    FACTS,
    MEMBER_CHANNELS,
    MESSAGES,
    chunks,
    replies_to_others,
    stored_message,
)

#: The columns twinning reads of a message: what it says, who wrote it and where (for citations).
_COLUMNS = (
    MESSAGES.c.channel_id,
    MESSAGES.c.ts,
    MESSAGES.c.user_id,
    MESSAGES.c.text,
    MESSAGES.c.raw_text,
    MESSAGES.c.thread_ts,
)


class Line(NamedTuple):
    """A latest message as twinning compares it (a row of ``_COLUMNS``): built in a fraction of a ``Message``'s
    time, which twinning builds only for the few it cites."""

    channel_id: str
    ts: str
    user_id: str | None
    text: str
    raw_text: str | None
    thread_ts: str | None

    @property
    def key(self) -> str:
        """``Message.key``: the index's id."""
        return f"{self.channel_id}:{self.ts}"

    def message(self) -> Message:
        """The message, as ``stored_message`` builds it from these columns."""
        return stored_message(self)


def _conversation() -> Any:
    """Messages joined to their facts: the conversation messages an insight snapshot holds."""
    return MESSAGES.join(FACTS, and_(FACTS.c.channel_id == MESSAGES.c.channel_id, FACTS.c.ts == MESSAGES.c.ts))


class MemberQueries:
    """The twinning reads of ``AggregateReader`` (``engine``: the archive's)."""

    engine: Engine

    def long_message_counts(self, channel_ids: Sequence[str]) -> dict[str, int]:
        """Per member, their conversation messages in these channels of at least ``LONG_MESSAGE_CHARS`` characters,
        from the stored totals (one row per member and channel)."""
        total = func.sum(MEMBER_CHANNELS.c.long_messages)
        q = (
            select(MEMBER_CHANNELS.c.user_id, total)
            .where(MEMBER_CHANNELS.c.channel_id.in_(list(channel_ids)))
            .group_by(MEMBER_CHANNELS.c.user_id)
        )
        with self.engine.connect() as c:
            return {uid: int(n) for uid, n in c.execute(q) if n}

    def latest_messages(
        self, channel_ids: Sequence[str], users: Sequence[str], min_chars: int, limit: int
    ) -> dict[str, list[Line]]:
        """Each member's latest ``limit`` conversation messages in these channels with at least ``min_chars``
        characters, oldest first (ordered like the snapshot's: time, then channel)."""
        # One statement for every member (compiled once), read backwards along (user_id, time), stopped at ``limit``.
        q = (
            select(*_COLUMNS)
            .select_from(_conversation())
            .where(
                FACTS.c.user_id == bindparam("uid"),
                FACTS.c.channel_id.in_(list(channel_ids)),
                func.length(MESSAGES.c.text) >= min_chars,
            )
            .order_by(FACTS.c.time.desc(), FACTS.c.channel_id.desc())
            .limit(limit)
        )
        out: dict[str, list[Line]] = {}
        with self.engine.connect() as c:
            for uid in users:
                out[uid] = [Line._make(r) for r in c.execute(q, {"uid": uid})][::-1]
        return out

    def reply_pairs(self, channel_ids: Sequence[str], users: Sequence[str]) -> set[frozenset[str]]:
        """Pairs of these members where one replied in a thread the other started (conversation messages)."""
        wanted = set(users)
        parent_fact = FACTS.alias("parent_fact")
        out: set[frozenset[str]] = set()
        with self.engine.connect() as c:
            for chunk in chunks(sorted(wanted)):
                q = (
                    replies_to_others(select(FACTS.c.user_id, parent_fact.c.user_id), parent_fact)
                    .where(FACTS.c.user_id.in_(list(chunk)), FACTS.c.channel_id.in_(list(channel_ids)))
                    .distinct()
                )
                for a, b in c.execute(q):
                    if b in wanted:
                        out.add(frozenset((a, b)))
        return out

    def mentioning(self, channel_ids: Sequence[str], users: Sequence[str]) -> list[Message]:
        """These members' conversation messages that may mention someone (an ``@`` in the text, or ``<@`` in
        the raw text)."""
        out: list[Message] = []
        with self.engine.connect() as c:
            for chunk in chunks(list(users)):
                q = (
                    select(*_COLUMNS)
                    .select_from(_conversation())
                    .where(
                        FACTS.c.user_id.in_(list(chunk)),
                        FACTS.c.channel_id.in_(list(channel_ids)),
                        or_(MESSAGES.c.text.contains("@"), MESSAGES.c.raw_text.contains("<@")),
                    )
                )
                out.extend(stored_message(r) for r in c.execute(q))
        return out

    def answers_given(self, channel_ids: Sequence[str], users: Iterable[str]) -> list[tuple[str, str, str]]:
        """These members' conversation replies in threads someone else started (a conversation top-level
        message): (member, the reply's text, the thread parent's text)."""
        reply, parent = MESSAGES.alias("reply"), MESSAGES.alias("parent")
        parent_fact = FACTS.alias("parent_fact")
        out: list[tuple[str, str, str]] = []
        with self.engine.connect() as c:
            for chunk in chunks(sorted(set(users))):
                q = (
                    replies_to_others(select(FACTS.c.user_id, reply.c.text, parent.c.text), parent_fact, reply)
                    .join(
                        parent,
                        and_(parent.c.channel_id == parent_fact.c.channel_id, parent.c.ts == parent_fact.c.ts),
                    )
                    .where(FACTS.c.user_id.in_(list(chunk)), FACTS.c.channel_id.in_(list(channel_ids)))
                )
                out.extend((uid, text, parent_text) for uid, text, parent_text in c.execute(q))
        return out

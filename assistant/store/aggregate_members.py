"""Who-should-meet queries (``assistant.insights.twinning``): a mixin of ``AggregateReader``.

Twins compare the most active members' latest messages, so they read at most ``members × messages per member``
conversation messages, however large the archive: who wrote most (counted by the database), those members'
latest messages, who already talks to whom among them (thread replies counted by the database, and the few
messages that mention someone), and the answers of the members finally paired.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, tuple_

from assistant.domain import Message
from assistant.store.aggregate_tables import FACTS, MESSAGES, chunks


def _conversation() -> Any:
    """Messages joined to their facts: the conversation messages an insight snapshot holds."""
    return MESSAGES.join(FACTS, and_(FACTS.c.channel_id == MESSAGES.c.channel_id, FACTS.c.ts == MESSAGES.c.ts))


class MemberQueries:
    """The twinning reads of ``AggregateReader`` (``engine``: the archive's)."""

    engine: Engine

    def long_message_counts(self, channel_ids: Sequence[str], min_chars: int) -> dict[str, int]:
        """Per member, their conversation messages in these channels with at least ``min_chars`` characters."""
        q = (
            select(FACTS.c.user_id, func.count())
            .select_from(_conversation())
            .where(FACTS.c.channel_id.in_(list(channel_ids)), func.length(MESSAGES.c.text) >= min_chars)
            .group_by(FACTS.c.user_id)
        )
        with self.engine.connect() as c:
            return {uid: int(n) for uid, n in c.execute(q)}

    def latest_messages(
        self, channel_ids: Sequence[str], users: Sequence[str], min_chars: int, limit: int
    ) -> dict[str, list[Message]]:
        """Each member's latest ``limit`` conversation messages in these channels with at least ``min_chars``
        characters, oldest first (ordered like the snapshot's: time, then channel)."""
        from assistant.store.messages import row_to_message

        out: dict[str, list[Message]] = {}
        with self.engine.connect() as c:
            for chunk in chunks(list(users), 50):
                rank = (
                    func.row_number()
                    .over(
                        partition_by=FACTS.c.user_id,
                        order_by=(FACTS.c.time.desc(), FACTS.c.channel_id.desc()),
                    )
                    .label("rank")
                )
                ranked = (
                    select(MESSAGES.c.channel_id, MESSAGES.c.ts, rank)
                    .select_from(_conversation())
                    .where(
                        FACTS.c.user_id.in_(list(chunk)),
                        FACTS.c.channel_id.in_(list(channel_ids)),
                        func.length(MESSAGES.c.text) >= min_chars,
                    )
                    .subquery()
                )
                q = select(MESSAGES).join(
                    ranked,
                    and_(
                        ranked.c.channel_id == MESSAGES.c.channel_id,
                        ranked.c.ts == MESSAGES.c.ts,
                        ranked.c.rank <= limit,
                    ),
                )
                found: dict[str, list[Message]] = defaultdict(list)
                for row in c.execute(q):
                    m = row_to_message(row)
                    found[m.user_id or ""].append(m)
                for uid, msgs in found.items():
                    out[uid] = sorted(msgs, key=lambda m: (float(m.ts), m.channel_id))
        return out

    def reply_pairs(self, channel_ids: Sequence[str], users: Sequence[str]) -> set[frozenset[str]]:
        """Pairs of these members where one replied in a thread the other started (conversation messages)."""
        wanted = set(users)
        reply = MESSAGES.alias("reply")
        parent_fact = FACTS.alias("parent_fact")
        out: set[frozenset[str]] = set()
        with self.engine.connect() as c:
            for chunk in chunks(sorted(wanted)):
                q = (
                    select(FACTS.c.user_id, parent_fact.c.user_id)
                    .join(reply, and_(reply.c.channel_id == FACTS.c.channel_id, reply.c.ts == FACTS.c.ts))
                    .join(
                        parent_fact,
                        and_(
                            parent_fact.c.channel_id == FACTS.c.channel_id,
                            parent_fact.c.ts == reply.c.thread_ts,
                            parent_fact.c.top_level.is_(True),
                        ),
                    )
                    .where(
                        FACTS.c.user_id.in_(list(chunk)),
                        FACTS.c.channel_id.in_(list(channel_ids)),
                        FACTS.c.top_level.is_(False),
                        parent_fact.c.user_id != FACTS.c.user_id,
                    )
                    .distinct()
                )
                for a, b in c.execute(q):
                    if b in wanted:
                        out.add(frozenset((a, b)))
        return out

    def mentioning(self, channel_ids: Sequence[str], users: Sequence[str]) -> list[Message]:
        """These members' conversation messages that may mention someone (an ``@`` in the text, or ``<@`` in
        the raw text)."""
        from assistant.store.messages import row_to_message

        out: list[Message] = []
        with self.engine.connect() as c:
            for chunk in chunks(list(users)):
                q = (
                    select(MESSAGES)
                    .select_from(_conversation())
                    .where(
                        FACTS.c.user_id.in_(list(chunk)),
                        FACTS.c.channel_id.in_(list(channel_ids)),
                        or_(MESSAGES.c.text.contains("@"), MESSAGES.c.raw_text.contains("<@")),
                    )
                )
                out.extend(row_to_message(r) for r in c.execute(q))
        return out

    def answers_given(self, channel_ids: Sequence[str], users: Iterable[str]) -> list[tuple[Message, Message]]:
        """These members' conversation replies in threads someone else started, each with its thread's parent
        (a conversation top-level message)."""
        from assistant.store.messages import row_to_message

        parent = MESSAGES.alias("parent")
        parent_fact = FACTS.alias("parent_fact")
        out: list[tuple[Message, Message]] = []
        with self.engine.connect() as c:
            for chunk in chunks(sorted(set(users))):
                replies = (
                    select(MESSAGES)
                    .select_from(_conversation())
                    .join(
                        parent_fact,
                        and_(
                            parent_fact.c.channel_id == MESSAGES.c.channel_id,
                            parent_fact.c.ts == MESSAGES.c.thread_ts,
                            parent_fact.c.top_level.is_(True),
                        ),
                    )
                    .where(
                        FACTS.c.user_id.in_(list(chunk)),
                        FACTS.c.channel_id.in_(list(channel_ids)),
                        FACTS.c.top_level.is_(False),
                        parent_fact.c.user_id != FACTS.c.user_id,
                    )
                )
                found = [row_to_message(r) for r in c.execute(replies)]
                keys = sorted({(m.channel_id, m.thread_ts or "") for m in found})
                parents: dict[tuple[str, str], Message] = {}
                for part in chunks(keys):
                    q = select(parent).where(tuple_(parent.c.channel_id, parent.c.ts).in_(list(part)))
                    for r in c.execute(q):
                        parents[(r.channel_id, r.ts)] = row_to_message(r)
                for m in found:
                    p = parents.get((m.channel_id, m.thread_ts or ""))
                    if p is not None:
                        out.append((m, p))
        out.sort(key=lambda pair: (float(pair[0].ts), pair[0].channel_id))
        return out

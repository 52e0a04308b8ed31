"""The messages repository: upserts keyed by ``(channel_id, ts)``, reads, threads and the pipeline's marks.

Writes are idempotent (re-ingesting an export or replaying an event changes nothing); a message whose content
changed is marked for re-indexing and re-judging, and every write refreshes the insight aggregates of the days it
touched (``aggregates.refresh``) in its own transaction. Judgments, the other half of this aggregate, are in
``judgments.py``; a member's deletion (``mark_deleted``) is in ``retention.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import Row, Table, case, false, func, or_, select, update

from assistant.domain import Message, Thread
from assistant.domain.workspace import NON_CONVERSATION_SUBTYPES, Reaction
from assistant.errors import NotFoundError
from assistant.store import aggregates
from assistant.store.base import ArchiveBase
from assistant.store.schema import MessageRow
from assistant.store.sql import CHUNK, rowcount, strip_nul, table_of


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def message_values(m: Message) -> dict[str, Any]:
    return strip_nul(
        {
            "channel_id": m.channel_id,
            "ts": m.ts,
            "time": float(m.ts),
            "user_id": m.user_id,
            "text": m.text,
            "raw_text": m.raw_text,
            "thread_ts": m.thread_ts,
            "subtype": m.subtype,
            "bot_id": m.bot_id,
            "reactions": [r.model_dump() for r in m.reactions],
            "reply_count": m.reply_count,
            "reply_users": list(m.reply_users),
            "files": [f.model_dump() for f in m.files],
            "edited": m.edited.model_dump() if m.edited else None,
            "deleted": m.deleted,
        }
    )


def row_to_message(row: MessageRow | Row[Any]) -> Message:
    """The message of a stored row (or of its columns), validated from its attributes: the JSON columns hold the
    reactions, reply users, files and edit as the model dumped them."""
    return Message.model_validate(row, from_attributes=True)


_CONTENT_FIELDS = ("text", "raw_text", "deleted")


class MessageFilters(TypedDict, total=False):
    """What ``messages`` and ``iter_messages`` filter on besides the channel."""

    since: datetime | None
    until: datetime | None
    user_id: str | None
    #: Only what a conversation counts: no deleted, bot, anonymous or join/leave-style messages.
    conversation_only: bool
    limit: int | None


class MessageRepository(ArchiveBase):
    """Messages: upserts, reads, threads, the indexed/moderated marks and reactions."""

    # Messages ---------------------------------------------------------------------------------------------------
    def upsert_messages(self, messages: Sequence[Message]) -> UpsertResult:
        """Insert new messages, update changed ones (marking them for re-indexing), skip identical ones and
        deleted ones (a member's deletion is final, whatever an older export still holds).

        Safe against a concurrent writer of the same messages: a row that appeared since it was read is
        upserted (``ON CONFLICT DO UPDATE``), and marked for re-indexing only if its content differs."""
        result = UpsertResult()
        table = table_of(MessageRow)
        touched: set[tuple[str, int]] = set()
        with self._session() as s, s.begin():
            for start in range(0, len(messages), CHUNK):
                chunk = messages[start : start + CHUNK]
                by_channel: dict[str, list[str]] = {}
                for m in chunk:
                    by_channel.setdefault(m.channel_id, []).append(m.ts)
                existing: dict[tuple[str, str], dict[str, Any]] = {}
                for cid, tss in by_channel.items():
                    for row in s.execute(select(table).where(table.c.channel_id == cid, table.c.ts.in_(tss))):
                        existing[(row.channel_id, row.ts)] = dict(row._mapping)
                inserts: dict[tuple[str, str], dict[str, Any]] = {}
                updates: dict[tuple[str, str], dict[str, Any]] = {}
                for m in chunk:
                    key = (m.channel_id, m.ts)
                    values = message_values(m)
                    found = existing.get(key)
                    touched |= aggregates.touched(m.channel_id, m.ts, m.thread_ts)
                    if found is not None:
                        touched |= aggregates.touched(m.channel_id, m.ts, found["thread_ts"])
                    if found is None:
                        inserts[key] = values
                        existing[key] = dict(values)
                        result.inserted += 1
                        continue
                    if found["deleted"]:  # a deletion is final: re-importing an old export does not bring it back
                        result.unchanged += 1
                        continue
                    changed = {k: v for k, v in values.items() if found[k] != v}
                    if not changed:
                        result.unchanged += 1
                        continue
                    found.update(changed)
                    result.updated += 1
                    if key in inserts:  # the same message twice in one batch: the last one wins
                        inserts[key].update(changed)
                        continue
                    pending = updates.setdefault(key, {})
                    pending.update(changed)
                    if any(k in changed for k in _CONTENT_FIELDS):
                        pending["indexed"] = False
                if inserts:
                    s.execute(self._message_upsert(table), [{**v, "indexed": False} for v in inserts.values()])
                for (cid, ts), values in updates.items():
                    s.execute(update(table).where(table.c.channel_id == cid, table.c.ts == ts).values(**values))
            if result.inserted or result.updated:
                aggregates.refresh(s.connection(), touched)
        return result

    def _message_upsert(self, table: Table) -> Any:
        stmt = self.insert(table)
        new = stmt.excluded
        content_changed = or_(*(table.c[k].is_distinct_from(new[k]) for k in _CONTENT_FIELDS))
        columns = [c.name for c in table.columns if c.name not in ("channel_id", "ts", "indexed", "moderated")]
        return stmt.on_conflict_do_update(
            index_elements=["channel_id", "ts"],
            set_={
                **{c: new[c] for c in columns},
                "indexed": case((content_changed, false()), else_=table.c.indexed),
            },
        )

    def get_message(self, channel_id: str, ts: str) -> Message:
        with self._session() as s:
            row = s.get(MessageRow, (channel_id, ts))
            if row is None:
                raise NotFoundError(f"No message {ts} in channel {channel_id} is in the archive.")
            return row_to_message(row)

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        with self._session() as s:
            row = s.get(MessageRow, (channel_id, ts))
            return row_to_message(row) if row else None

    def messages(self, channel_id: str | None = None, **filters: Unpack[MessageFilters]) -> list[Message]:
        """Messages in time order, filtered by channel, time range and author (``iter_messages``, as a list)."""
        return list(self.iter_messages(channel_id, **filters))

    def iter_messages(self, channel_id: str | None = None, **filters: Unpack[MessageFilters]) -> Iterator[Message]:
        """Messages in time order, filtered by channel, time range and author, read a thousand rows at a time."""
        since, until, user_id = filters.get("since"), filters.get("until"), filters.get("user_id")
        conversation_only, limit = filters.get("conversation_only", False), filters.get("limit")
        q = select(MessageRow).order_by(MessageRow.time, MessageRow.channel_id)
        if channel_id:
            q = q.where(MessageRow.channel_id == channel_id)
        if since:
            q = q.where(MessageRow.time >= since.timestamp())
        if until:
            q = q.where(MessageRow.time < until.timestamp())
        if user_id:
            q = q.where(MessageRow.user_id == user_id)
        if conversation_only:
            q = q.where(
                MessageRow.deleted.is_(False),
                MessageRow.bot_id.is_(None),
                MessageRow.user_id.is_not(None),
                or_(MessageRow.subtype.is_(None), MessageRow.subtype.not_in(NON_CONVERSATION_SUBTYPES)),
            )
        if limit:
            q = q.limit(limit)
        with self._session() as s:  # plain rows, not ORM objects: snapshots read every message at once
            for row in s.execute(q.with_only_columns(*MessageRow.__table__.columns)).yield_per(1000):
                yield row_to_message(row)

    def thread(self, channel_id: str, thread_ts: str) -> Thread:
        """A thread in time order; a message that is not a parent is returned as a one-message thread."""
        with self._session() as s:
            rows = s.scalars(
                select(MessageRow)
                .where(
                    MessageRow.channel_id == channel_id,
                    or_(MessageRow.thread_ts == thread_ts, MessageRow.ts == thread_ts),
                )
                .order_by(MessageRow.time)
            ).all()
        if not rows:
            raise NotFoundError(f"No thread {thread_ts} in channel {channel_id} is in the archive.")
        return Thread(channel_id=channel_id, thread_ts=thread_ts, messages=[row_to_message(r) for r in rows])

    def thread_parents(self, channel_id: str | None = None) -> list[Message]:
        q = select(MessageRow).where(MessageRow.thread_ts == MessageRow.ts)
        if channel_id:
            q = q.where(MessageRow.channel_id == channel_id)
        with self._session() as s:
            return [row_to_message(r) for r in s.scalars(q.order_by(MessageRow.time)).all()]

    def unindexed(self, limit: int | None = None) -> list[Message]:
        q = select(MessageRow).where(MessageRow.indexed.is_(False)).order_by(MessageRow.time)
        if limit:
            q = q.limit(limit)
        with self._session() as s:
            return [row_to_message(r) for r in s.scalars(q).all()]

    def unfinished(self, limit: int | None = None) -> list[Message]:
        """Messages not yet through every step of the pipeline (not indexed, or not moderated), oldest first:
        new, changed, or interrupted by a crash between two steps."""
        q = (
            select(MessageRow)
            .where(or_(MessageRow.indexed.is_(False), MessageRow.moderated.is_(False)))
            .order_by(MessageRow.time)
        )
        if limit:
            q = q.limit(limit)
        with self._session() as s:
            return [row_to_message(r) for r in s.scalars(q).all()]

    def is_finished(self, channel_id: str, ts: str) -> bool:
        """Whether the message went through every step (a redelivered event for it has nothing left to do)."""
        with self._session() as s:
            row = s.get(MessageRow, (channel_id, ts))
            return bool(row is not None and row.indexed and row.moderated)

    def mark_indexed(self, keys: Iterable[tuple[str, str]]) -> None:
        """Encoded, judged and in the index."""
        self._mark(keys, indexed=True)

    def mark_moderated(self, keys: Iterable[tuple[str, str]]) -> None:
        """Moderation's own done mark, set after its flags (and any alert for the outbox) were written."""
        self._mark(keys, moderated=True)

    def _mark(self, keys: Iterable[tuple[str, str]], **values: bool) -> None:
        with self._session() as s, s.begin():
            by_channel: dict[str, list[str]] = {}
            for cid, ts in keys:
                by_channel.setdefault(cid, []).append(ts)
            for cid, tss in by_channel.items():
                for start in range(0, len(tss), CHUNK):
                    s.execute(
                        update(MessageRow)
                        .where(MessageRow.channel_id == cid, MessageRow.ts.in_(tss[start : start + CHUNK]))
                        .values(**values)
                    )

    def mark_all_unindexed(self) -> int:
        """Queue every live message for encoding and judging again (after the encoder changed)."""
        with self._session() as s, s.begin():
            result = s.execute(update(MessageRow).where(MessageRow.deleted.is_(False)).values(indexed=False))
            return int(getattr(result, "rowcount", 0) or 0)

    def count_messages(self, channel_id: str | None = None) -> int:
        q = select(func.count()).select_from(MessageRow)
        if channel_id:
            q = q.where(MessageRow.channel_id == channel_id)
        with self._session() as s:
            return int(s.scalar(q) or 0)

    def set_reactions(self, channel_id: str, ts: str, reactions: list[Reaction]) -> bool:
        with self._session() as s, s.begin():
            result = s.execute(
                update(MessageRow)
                .where(MessageRow.channel_id == channel_id, MessageRow.ts == ts)
                .values(reactions=[r.model_dump() for r in reactions])
            )
            if rowcount(result) <= 0:
                return False
            aggregates.refresh(s.connection(), {(channel_id, aggregates.day_of(float(ts)))})
            return True

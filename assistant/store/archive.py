"""The archive: messages, threads, members, reactions, judgments, audit log. SQLite (WAL) or PostgreSQL.

Writes are idempotent upserts keyed by ``(channel_id, ts)`` so re-ingesting an export or replaying a Slack
event changes nothing; a message whose content changed is marked for re-indexing and re-judging.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, Text, cast, create_engine, delete, event, func, or_, select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from assistant.domain import AuditEvent, Channel, Judgment, Member, Message, Thread
from assistant.domain.workspace import NON_CONVERSATION_SUBTYPES, Edit, FileRef, Reaction
from assistant.errors import NotFoundError, StoreError
from assistant.store.schema import (
    AuditRow,
    Base,
    ChannelRow,
    JudgmentRow,
    KeyValueRow,
    MemberRow,
    MembershipRow,
    MessageRow,
)

logger = logging.getLogger(__name__)

_CHUNK = 500


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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Engine for SQLite (WAL, for one instance) or PostgreSQL (for several instances)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        engine = create_engine(url, pool_pre_ping=True, future=True)
    except (SQLAlchemyError, ImportError) as exc:
        raise StoreError(f"DATABASE_URL cannot be used: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _message_values(m: Message) -> dict[str, Any]:
    return {
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


def _row_to_message(row: MessageRow | Row[Any]) -> Message:
    return Message(
        channel_id=row.channel_id,
        ts=row.ts,
        user_id=row.user_id,
        text=row.text,
        raw_text=row.raw_text,
        thread_ts=row.thread_ts,
        subtype=row.subtype,
        bot_id=row.bot_id,
        reactions=[Reaction(**r) for r in row.reactions or []],
        reply_count=row.reply_count,
        reply_users=list(row.reply_users or []),
        files=[FileRef(**f) for f in row.files or []],
        edited=Edit(**row.edited) if row.edited else None,
        deleted=row.deleted,
    )


_CONTENT_FIELDS = ("text", "raw_text", "deleted")


class Archive:
    """Repository over the archive tables; every method opens and commits its own short transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            Base.metadata.create_all(self.engine)
        except OperationalError as exc:
            raise StoreError(f"Cannot open the archive at {self.engine.url!r}: {exc.orig}") from exc

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()

    # Channels and members ---------------------------------------------------------------------------------------
    def upsert_channels(self, channels: Iterable[Channel]) -> int:
        n = 0
        with self.session() as s, s.begin():
            for c in channels:
                s.merge(
                    ChannelRow(
                        id=c.id,
                        name=c.name,
                        created=c.created,
                        is_private=c.is_private,
                        is_archived=c.is_archived,
                        topic=c.topic,
                        purpose=c.purpose,
                    )
                )
                for uid in c.members:
                    if s.get(MembershipRow, (c.id, uid)) is None:
                        s.add(MembershipRow(channel_id=c.id, user_id=uid, joined_at=None))
                n += 1
        return n

    def upsert_members(self, members: Iterable[Member]) -> int:
        n = 0
        with self.session() as s, s.begin():
            for m in members:
                s.merge(MemberRow(**m.model_dump()))
                n += 1
        return n

    def add_membership(self, channel_id: str, user_id: str, joined_at: datetime | None) -> None:
        with self.session() as s, s.begin():
            row = s.get(MembershipRow, (channel_id, user_id))
            if row is None:
                s.add(MembershipRow(channel_id=channel_id, user_id=user_id, joined_at=joined_at))
            elif joined_at and (row.joined_at is None or _aware(row.joined_at) > joined_at):
                row.joined_at = joined_at

    def remove_membership(self, channel_id: str, user_id: str) -> bool:
        """Someone left a channel: membership is current state (their join stays in the message history)."""
        with self.session() as s, s.begin():
            row = s.get(MembershipRow, (channel_id, user_id))
            if row is None:
                return False
            s.delete(row)
            return True

    def channels(self) -> list[Channel]:
        with self.session() as s:
            rows = s.scalars(select(ChannelRow).order_by(ChannelRow.name)).all()
            members: dict[str, list[str]] = {}
            for mrow in s.scalars(select(MembershipRow)).all():
                members.setdefault(mrow.channel_id, []).append(mrow.user_id)
            return [
                Channel(
                    id=r.id,
                    name=r.name,
                    created=_aware(r.created) if r.created else None,
                    is_private=r.is_private,
                    is_archived=r.is_archived,
                    topic=r.topic,
                    purpose=r.purpose,
                    members=sorted(members.get(r.id, [])),
                )
                for r in rows
            ]

    def channel(self, ref: str) -> Channel:
        """A channel by id, name or ``#name``; raises ``NotFoundError`` naming what was asked."""
        wanted = ref.strip().lstrip("#")
        for c in self.channels():
            if wanted in (c.id, c.name):
                return c
        raise NotFoundError(f"No channel called {ref!r} is in the archive.")

    def memberships(self, channel_id: str | None = None) -> list[tuple[str, str, datetime | None]]:
        with self.session() as s:
            q = select(MembershipRow)
            if channel_id:
                q = q.where(MembershipRow.channel_id == channel_id)
            return [
                (r.channel_id, r.user_id, _aware(r.joined_at) if r.joined_at else None) for r in s.scalars(q).all()
            ]

    def members(self) -> list[Member]:
        with self.session() as s:
            return [
                Member(
                    id=r.id,
                    name=r.name,
                    real_name=r.real_name,
                    display_name=r.display_name,
                    title=r.title,
                    is_bot=r.is_bot,
                    deleted=r.deleted,
                    tz=r.tz,
                )
                for r in s.scalars(select(MemberRow).order_by(MemberRow.name)).all()
            ]

    def member_names(self) -> dict[str, str]:
        return {m.id: m.label for m in self.members()}

    # Messages ---------------------------------------------------------------------------------------------------
    def upsert_messages(self, messages: Sequence[Message]) -> UpsertResult:
        """Insert new messages, update changed ones (marking them for re-indexing), skip identical ones."""
        result = UpsertResult()
        with self.session() as s, s.begin():
            for start in range(0, len(messages), _CHUNK):
                chunk = messages[start : start + _CHUNK]
                by_channel: dict[str, list[str]] = {}
                for m in chunk:
                    by_channel.setdefault(m.channel_id, []).append(m.ts)
                existing: dict[tuple[str, str], MessageRow] = {}
                for cid, tss in by_channel.items():
                    for row in s.scalars(
                        select(MessageRow).where(MessageRow.channel_id == cid, MessageRow.ts.in_(tss))
                    ):
                        existing[(row.channel_id, row.ts)] = row
                for m in chunk:
                    values = _message_values(m)
                    found = existing.get((m.channel_id, m.ts))
                    if found is None:
                        new = MessageRow(**values, indexed=False)
                        s.add(new)
                        existing[(m.channel_id, m.ts)] = new
                        result.inserted += 1
                        continue
                    changed = {k: v for k, v in values.items() if getattr(found, k) != v}
                    if not changed:
                        result.unchanged += 1
                        continue
                    for k, v in changed.items():
                        setattr(found, k, v)
                    if any(k in changed for k in _CONTENT_FIELDS):
                        found.indexed = False
                    result.updated += 1
        return result

    def get_message(self, channel_id: str, ts: str) -> Message:
        with self.session() as s:
            row = s.get(MessageRow, (channel_id, ts))
            if row is None:
                raise NotFoundError(f"No message {ts} in channel {channel_id} is in the archive.")
            return _row_to_message(row)

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        with self.session() as s:
            row = s.get(MessageRow, (channel_id, ts))
            return _row_to_message(row) if row else None

    def messages(
        self,
        channel_id: str | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        user_id: str | None = None,
        conversation_only: bool = False,
        limit: int | None = None,
    ) -> list[Message]:
        """Messages in time order, filtered by channel, time range and author."""
        return list(
            self.iter_messages(
                channel_id,
                since=since,
                until=until,
                user_id=user_id,
                conversation_only=conversation_only,
                limit=limit,
            )
        )

    def iter_messages(
        self,
        channel_id: str | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        user_id: str | None = None,
        conversation_only: bool = False,
        limit: int | None = None,
    ) -> Iterator[Message]:
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
        with self.session() as s:  # plain rows, not ORM objects: snapshots read every message at once
            for row in s.execute(q.with_only_columns(*MessageRow.__table__.columns)).yield_per(1000):
                yield _row_to_message(row)

    def thread(self, channel_id: str, thread_ts: str) -> Thread:
        """A thread in time order; a message that is not a parent is returned as a one-message thread."""
        with self.session() as s:
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
        return Thread(channel_id=channel_id, thread_ts=thread_ts, messages=[_row_to_message(r) for r in rows])

    def thread_parents(self, channel_id: str | None = None) -> list[Message]:
        q = select(MessageRow).where(MessageRow.thread_ts == MessageRow.ts)
        if channel_id:
            q = q.where(MessageRow.channel_id == channel_id)
        with self.session() as s:
            return [_row_to_message(r) for r in s.scalars(q.order_by(MessageRow.time)).all()]

    def mark_deleted(self, channel_id: str, ts: str) -> bool:
        """Keep the row and its ts (threads and flags point at it), marked deleted so it leaves answers and the
        index, with its text blanked: see ``blank_message`` (issue 14)."""
        return self.blank_message(channel_id, ts)

    def unindexed(self, limit: int | None = None) -> list[Message]:
        q = select(MessageRow).where(MessageRow.indexed.is_(False)).order_by(MessageRow.time)
        if limit:
            q = q.limit(limit)
        with self.session() as s:
            return [_row_to_message(r) for r in s.scalars(q).all()]

    def mark_indexed(self, keys: Iterable[tuple[str, str]]) -> None:
        with self.session() as s, s.begin():
            by_channel: dict[str, list[str]] = {}
            for cid, ts in keys:
                by_channel.setdefault(cid, []).append(ts)
            for cid, tss in by_channel.items():
                for start in range(0, len(tss), _CHUNK):
                    s.execute(
                        update(MessageRow)
                        .where(MessageRow.channel_id == cid, MessageRow.ts.in_(tss[start : start + _CHUNK]))
                        .values(indexed=True)
                    )

    def mark_all_unindexed(self) -> int:
        """Queue every live message for encoding and judging again (after the encoder changed)."""
        with self.session() as s, s.begin():
            result = s.execute(update(MessageRow).where(MessageRow.deleted.is_(False)).values(indexed=False))
            return int(getattr(result, "rowcount", 0) or 0)

    def count_messages(self, channel_id: str | None = None) -> int:
        q = select(func.count()).select_from(MessageRow)
        if channel_id:
            q = q.where(MessageRow.channel_id == channel_id)
        with self.session() as s:
            return int(s.scalar(q) or 0)

    def set_reactions(self, channel_id: str, ts: str, reactions: list[Reaction]) -> bool:
        with self.session() as s, s.begin():
            row = s.get(MessageRow, (channel_id, ts))
            if row is None:
                return False
            row.reactions = [r.model_dump() for r in reactions]
            return True

    # Judgments --------------------------------------------------------------------------------------------------
    def save_judgments(self, judgments: Iterable[Judgment]) -> None:
        with self.session() as s, s.begin():
            for j in judgments:
                s.merge(
                    JudgmentRow(
                        channel_id=j.channel_id,
                        ts=j.ts,
                        toxicity=j.toxicity.score,
                        misinformation=j.misinformation.score,
                        negative=j.sentiment.probs.get("negative", 0.0),
                        want=j.want.score,
                        sentiment=j.sentiment.label,
                        payload=j.model_dump(mode="json"),
                        model_version=j.model_version,
                    )
                )

    def judgment(self, channel_id: str, ts: str) -> Judgment | None:
        with self.session() as s:
            row = s.get(JudgmentRow, (channel_id, ts))
            return Judgment.model_validate(row.payload) if row else None

    def judgments(self, channel_id: str | None = None) -> dict[tuple[str, str], Judgment]:
        # the payload as JSON text, parsed and validated in one step by pydantic (snapshots read every judgment)
        q = select(JudgmentRow.channel_id, JudgmentRow.ts, cast(JudgmentRow.payload, Text))
        if channel_id:
            q = q.where(JudgmentRow.channel_id == channel_id)
        with self.session() as s:
            return {
                (cid, ts): Judgment.model_validate_json(payload)
                for cid, ts, payload in s.execute(q).yield_per(1000)
            }

    # Audit log (append-only) ------------------------------------------------------------------------------------
    def append_audit(self, event_: AuditEvent) -> AuditEvent:
        with self.session() as s, s.begin():
            row = AuditRow(
                at=event_.at,
                actor=event_.actor,
                action=event_.action,
                target=event_.target,
                reason=event_.reason,
                details=event_.details,
            )
            s.add(row)
            s.flush()
            return event_.model_copy(update={"id": row.id})

    def audit(self, since: datetime | None = None, action: str | None = None) -> list[AuditEvent]:
        q = select(AuditRow).order_by(AuditRow.id)
        if since:
            q = q.where(AuditRow.at >= since)
        if action:
            q = q.where(AuditRow.action == action)
        with self.session() as s:
            return [
                AuditEvent(
                    id=r.id,
                    at=_aware(r.at),
                    actor=r.actor,
                    action=r.action,
                    target=r.target,
                    reason=r.reason,
                    details=r.details or {},
                )
                for r in s.scalars(q).all()
            ]

    # Small state ------------------------------------------------------------------------------------------------
    def get_state(self, key: str) -> dict[str, Any] | None:
        with self.session() as s:
            row = s.get(KeyValueRow, key)
            return dict(row.value) if row else None

    def set_state(self, key: str, value: dict[str, Any]) -> None:
        with self.session() as s, s.begin():
            s.merge(KeyValueRow(key=key, value=value))

    def claim_once(self, key: str) -> bool:
        """Record ``key`` (e.g. a Slack event id) and say whether it was new: deduplicates retries."""
        try:
            with self.session() as s, s.begin():
                if s.get(KeyValueRow, key) is not None:
                    return False
                s.add(KeyValueRow(key=key, value={"at": datetime.now(UTC).isoformat()}))
            return True
        except SQLAlchemyError:
            return False

    def forget_claims(self, prefix: str, before: datetime) -> int:
        """Drop dedup claims (``claim_once`` keys under ``prefix``) recorded before ``before``: retries of an
        event arrive within minutes, so old claims only grow the table."""
        removed = 0
        with self.session() as s, s.begin():
            for row in s.scalars(select(KeyValueRow).where(KeyValueRow.key.startswith(prefix))).all():
                try:
                    at = datetime.fromisoformat(str((row.value or {}).get("at")))
                except ValueError:
                    continue
                if _aware(at) < before:
                    s.delete(row)
                    removed += 1
        return removed

    # Retention --------------------------------------------------------------------------------------------------
    def delete_older_than(self, cutoff: datetime) -> list[tuple[str, str]]:
        """Really delete messages (and their judgments) older than ``cutoff``; returns the deleted keys."""
        with self.session() as s, s.begin():
            rows = s.execute(
                select(MessageRow.channel_id, MessageRow.ts).where(MessageRow.time < cutoff.timestamp())
            ).all()
            keys = [(r[0], r[1]) for r in rows]
            s.execute(delete(MessageRow).where(MessageRow.time < cutoff.timestamp()))
            for cid, ts in keys:
                s.execute(delete(JudgmentRow).where(JudgmentRow.channel_id == cid, JudgmentRow.ts == ts))
            s.execute(delete(AuditRow).where(AuditRow.at < cutoff))
        return keys

    # Deletion ---------------------------------------------------------------------------------------------------
    # Deleted content must leave the files too, not only the tables: on SQLite the connections that delete or
    # blank it use ``secure_delete`` (freed bytes are overwritten) and the WAL is checkpointed and truncated, and
    # retention ends with ``vacuum``. On PostgreSQL the rows go and a plain ``VACUUM`` reclaims their dead versions;
    # PostgreSQL's own WAL archive and backups are the operator's to expire.
    def keys_older_than(self, cutoff: datetime) -> list[tuple[str, str]]:
        """Keys of the messages retention will delete (read first, so the index and the audit log can be cleaned
        before the archive forgets which messages they were)."""
        with self.session() as s:
            rows = s.execute(
                select(MessageRow.channel_id, MessageRow.ts).where(MessageRow.time < cutoff.timestamp())
            ).all()
        return [(r[0], r[1]) for r in rows]

    def blank_message(self, channel_id: str, ts: str) -> bool:
        """A member deleted the message in Slack: the row and its ts stay (threads, reply counts and flags keep
        pointing at it), marked deleted and queued so it leaves the index, but its text, raw text and files are
        blanked and its judgment (which quotes the text) is deleted. Moderation's flag keeps its excerpt until the
        retention period, as evidence for moderators."""
        with self.session() as s, s.begin():
            self._secure(s)
            result = s.execute(
                update(MessageRow)
                .where(MessageRow.channel_id == channel_id, MessageRow.ts == ts)
                .values(deleted=True, indexed=False, text="", raw_text="", files=[])
            )
            if not getattr(result, "rowcount", 0):
                return False
            s.execute(delete(JudgmentRow).where(JudgmentRow.channel_id == channel_id, JudgmentRow.ts == ts))
        self._checkpoint()
        return True

    def audit_for_targets(self, targets: Iterable[str]) -> list[AuditEvent]:
        """Audit events about the given targets (e.g. ``flag:12``), oldest first."""
        wanted = sorted(set(targets))
        out: list[AuditRow] = []
        with self.session() as s:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                out.extend(s.scalars(select(AuditRow).where(AuditRow.target.in_(chunk))).all())
        return [
            AuditEvent(
                id=r.id,
                at=_aware(r.at),
                actor=r.actor,
                action=r.action,
                target=r.target,
                reason=r.reason,
                details=r.details or {},
            )
            for r in sorted(out, key=lambda r: r.id)
        ]

    def redact_audit(self, events: Iterable[AuditEvent]) -> int:
        """Overwrite the reason and details of stored audit events (the only update the log allows: retention
        scrubbing quoted words and authors of deleted messages); returns how many rows changed."""
        changed = 0
        with self.session() as s, s.begin():
            self._secure(s)
            for e in events:
                row = s.get(AuditRow, e.id) if e.id is not None else None
                if row is None or (row.reason == e.reason and (row.details or {}) == e.details):
                    continue
                row.reason = e.reason
                row.details = dict(e.details)
                changed += 1
        if changed:
            self._checkpoint()
        return changed

    def vacuum(self) -> None:
        """Rewrite the archive so deleted rows leave its free pages (SQLite ``VACUUM``, then the WAL is truncated),
        or reclaim dead row versions (PostgreSQL ``VACUUM`` of the archive's tables)."""
        if self.dialect == "sqlite":
            self._sqlite_pragmas("PRAGMA secure_delete=ON", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)")
        elif self.dialect == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                present = {r[0] for r in c.exec_driver_sql("SELECT tablename FROM pg_tables")}
                for table in Base.metadata.sorted_tables:
                    if table.name in present:
                        c.exec_driver_sql(f'VACUUM "{table.name}"')

    def _secure(self, s: Session) -> None:
        if self.dialect == "sqlite":
            s.connection().exec_driver_sql("PRAGMA secure_delete=ON")

    def _checkpoint(self) -> None:
        """SQLite: copy the WAL into the file and truncate it, so earlier versions of changed pages go."""
        if self.dialect == "sqlite":
            busy = self._sqlite_pragmas("PRAGMA wal_checkpoint(TRUNCATE)")
            if busy and busy[0]:
                logger.info("archive: the WAL is in use; it is truncated at the next checkpoint")

    def _sqlite_pragmas(self, *statements: str) -> Any:
        """Run statements outside any transaction (``VACUUM`` refuses one) on a pooled DBAPI connection; returns
        the last one's first row."""
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            row = None
            for statement in statements:
                cursor.execute(statement)
                row = cursor.fetchone()
            cursor.close()
            return row
        finally:
            raw.close()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)

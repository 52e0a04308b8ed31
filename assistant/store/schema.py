"""Archive tables. One metadata object; services that add tables (moderation) declare them on ``Base`` too.

The database is brought to this shape by the Alembic migrations in ``assistant.store.migrations``; a change here
needs a new revision there (``tests/reliability/test_store_migrations.py`` checks the two agree).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Float, Index, Integer, LargeBinary, MetaData, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from assistant.store.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class ChannelRow(Base):
    __tablename__ = "channels"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    created: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    #: "channel" (public or private), "im" (a direct message) or "mpim" (a group DM): DMs are never public.
    kind: Mapped[str] = mapped_column(String(16), default="channel", server_default="channel")
    topic: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")


class MemberRow(Base):
    __tablename__ = "members"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    real_name: Mapped[str] = mapped_column(String(255), default="")
    display_name: Mapped[str] = mapped_column(String(255), default="")
    title: Mapped[str] = mapped_column(String(255), default="")
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    tz: Mapped[str | None] = mapped_column(String(64), nullable=True)


class MembershipRow(Base):
    """Who is in which channel, and since when (joins seen in history or live events)."""

    __tablename__ = "memberships"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class MessageRow(Base):
    __tablename__ = "messages"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    time: Mapped[float] = mapped_column(Float, index=True)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    raw_text: Mapped[str] = mapped_column(Text, default="")
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    subtype: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bot_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reactions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    reply_users: Mapped[list[Any]] = mapped_column(JSON, default=list)
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)
    edited: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    indexed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Moderation's own "done" mark, set after its flags (and any alert for the outbox) are written, so a
    #: crash between indexing and moderation is finished by the next run.
    moderated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (Index("ix_messages_thread", "channel_id", "thread_ts"),)


class JudgmentRow(Base):
    """Latest judgment of a message (re-judged on edit); the payload is a ``domain.Judgment``."""

    __tablename__ = "judgments"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    toxicity: Mapped[float] = mapped_column(Float, index=True)
    misinformation: Mapped[float] = mapped_column(Float)
    negative: Mapped[float] = mapped_column(Float)
    want: Mapped[float] = mapped_column(Float, index=True)
    sentiment: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    model_version: Mapped[str] = mapped_column(String(64), default="")


class AuditRow(Base):
    """Append-only audit log. Rows are never updated; only the retention sweep deletes old ones."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(255), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class KeyValueRow(Base):
    """Small bits of state: ingest/backfill cursors, processed event ids, schema notes."""

    __tablename__ = "state"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)


class InboxRow(Base):
    """Slack events recorded before they are acknowledged, and worked from here until done (at-least-once).

    A retry of an event that never finished is processed again; one that finished is a duplicate and dropped.
    """

    __tablename__ = "slack_inbox"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Epoch seconds: when the next attempt may start (backoff), and until when a worker holds it.
    next_attempt_at: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    lease_until: Mapped[float] = mapped_column(Float, default=0.0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


class OutboxRow(Base):
    """Moderator alerts waiting to be posted (or updated) in Slack, retried until Slack accepts them."""

    __tablename__ = "alert_outbox"

    alert_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    is_update: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


class ClaimRow(Base):
    """A fact-checked claim the assistant matches messages against (``assistant.claims``).

    Vectors are the encoder's float32 bytes (``encoder`` names which encoder made them); a removed claim keeps its
    row (who removed it and when) so the knowledge seed does not bring it back.
    """

    __tablename__ = "claims"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    #: "false", "misleading", "true" or "unproven": only the first two raise alerts.
    verdict: Mapped[str] = mapped_column(String(16), index=True)
    correction: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(Text, default="")
    #: The fact sheet entry that refutes it (claims seeded from the knowledge folder).
    refuted_by: Mapped[str] = mapped_column(String(128), default="")
    #: Where it came from: "knowledge", "cli", "import" or "slack" (with the message in ``origin_ref``).
    origin: Mapped[str] = mapped_column(String(32), default="cli")
    origin_ref: Mapped[str] = mapped_column(String(255), default="")
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    encoder: Mapped[str] = mapped_column(String(128), default="")
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    title_vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    correction_vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class ClaimRepeatRow(Base):
    """A message confirmed to repeat a claim (``assistant.claims.repeats``): a moderator acted on its claim flag,
    or a labelled file was imported. Its vector joins the claim's in the matcher's dense term.

    ``channel_id``/``ts`` name the message (empty for imported examples), so retention deletes the repeat with it.
    """

    __tablename__ = "claim_repeats"
    __table_args__ = (
        Index("ux_claim_repeats_claim_key", "claim_id", "key", unique=True),
        Index("ix_claim_repeats_message", "channel_id", "ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    #: ``claim_key(text)`` hashed: one example per wording and claim.
    key: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64), default="")
    ts: Mapped[str] = mapped_column(String(32), default="")
    #: "moderation" (a moderator's action on a claim flag, ``origin_ref`` = flag id) or "import" (the file's name).
    origin: Mapped[str] = mapped_column(String(32))
    origin_ref: Mapped[str] = mapped_column(String(255), default="")
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    encoder: Mapped[str] = mapped_column(String(128), default="")
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class MessageFactRow(Base):
    """What the insight answers need of one conversation message (``assistant.store.aggregates``): kept for the
    messages an answer counts (people, not bots, joins or deleted placeholders), in the same transaction as the
    message, its judgment and whatever else decides its first reply."""

    __tablename__ = "message_facts"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    time: Mapped[float] = mapped_column(Float)
    #: UTC day: whole days since 1970-01-01.
    day: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(64))
    top_level: Mapped[bool] = mapped_column(Boolean)
    #: Replies to it in the archive's conversation (0 unless it started a thread).
    thread_replies: Mapped[int] = mapped_column(Integer, default=0)
    #: The thread depth metrics count: its replies, else Slack's reply_count, for a thread parent; else 0.
    depth: Mapped[int] = mapped_column(Integer, default=0)
    #: Minutes until someone else first replied (a top-level message that got a reply), else null.
    wait_minutes: Mapped[float | None] = mapped_column(Float, nullable=True)
    reactions: Mapped[int] = mapped_column(Integer, default=0)
    #: The judge's mood label ("positive", "neutral", "negative"; null when not judged) and its probability.
    mood: Mapped[str | None] = mapped_column(String(16), nullable=True)
    mood_prob: Mapped[float] = mapped_column(Float, default=0.0)
    #: A thread reply's parent ts (null for a top-level message); a top-level message's author's last thanks in
    #: its thread (the time of their latest conversation reply there matching ``THANKS``, else null): a reply
    #: before it is helpful, found by the database (migration 0007).
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    thanked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: The judge's want score (null when not judged) and its ``is_want``: a channel's wants are found among its
    #: facts, without reading every judgment's payload (migration 0007).
    want: Mapped[float | None] = mapped_column(Float, nullable=True)
    is_want: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: A reply to someone else's conversation thread, and a helpful one (``assistant.store.aggregate_helpful``).
    to_other: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    helpful: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        Index("ix_message_facts_channel_time", "channel_id", "time"),
        Index("ix_message_facts_time", "time"),
        Index("ix_message_facts_user_time", "user_id", "time"),
    )


class _DayMoods:
    """What every per-day aggregate sums besides its messages: the judged messages' moods and the day's first and
    last message times."""

    judged: Mapped[int] = mapped_column(Integer, default=0)
    positive: Mapped[int] = mapped_column(Integer, default=0)
    neutral: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    first_time: Mapped[float] = mapped_column(Float)
    last_time: Mapped[float] = mapped_column(Float)


class ChannelDayRow(_DayMoods, Base):
    """One channel's conversation on one UTC day, summed from ``message_facts``."""

    __tablename__ = "channel_days"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    top_level: Mapped[int] = mapped_column(Integer, default=0)
    replied: Mapped[int] = mapped_column(Integer, default=0)
    wait_sum: Mapped[float] = mapped_column(Float, default=0.0)
    #: Every replied message's minutes to first reply (a median needs them; a day holds a handful).
    waits: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reactions: Mapped[int] = mapped_column(Integer, default=0)
    threads: Mapped[int] = mapped_column(Integer, default=0)
    depth_sum: Mapped[int] = mapped_column(Integer, default=0)
    depth_max: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_channel_days_day", "day"),)


class MemberDayRow(_DayMoods, Base):
    """One member's conversation in one channel on one UTC day, summed from ``message_facts``."""

    __tablename__ = "member_days"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    last_ts: Mapped[str] = mapped_column(String(32))
    #: Of those messages: long enough to compare members by (``aggregate_tables.LONG_MESSAGE_CHARS``), their
    #: reactions, thread replies, replies to others and helpful ones (summed into ``member_channels``, 0007).
    long_messages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reactions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replies: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    to_others: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    helpful: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        Index("ix_member_days_channel_day", "channel_id", "day"),
        Index("ix_member_days_user_day", "user_id", "day"),
        Index("ix_member_days_day", "day"),
    )


class MemberChannelRow(Base):
    """A member's first conversation message in a channel (who belongs to a channel, who is new there)."""

    __tablename__ = "member_channels"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_time: Mapped[float] = mapped_column(Float)
    first_ts: Mapped[str] = mapped_column(String(32))
    #: The member's totals in the channel (the sums of their ``member_days``): whole-history answers read one row
    #: per member and channel instead of every message (migration 0007).
    messages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    long_messages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reactions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replies: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    to_others: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    helpful: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (Index("ix_member_channels_channel_first", "channel_id", "first_time"),)


def all_metadata() -> MetaData:
    """Every table of the archive, moderation's and the surveys' included whether or not they were imported yet."""
    import assistant.store.moderation.tables  # noqa: F401  (declares its tables on ``Base``; imported late: it imports us)
    from assistant.store import surveys as _surveys  # noqa: F401  (the same, for the surveys' tables)

    return Base.metadata

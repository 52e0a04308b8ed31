"""Moderation tables, declared on the archive's ``Base`` so SQLite and PostgreSQL deployments get them alike.

The archive's migrations (``assistant.store.migrations``) create and change them; a change here needs a new
revision there.

Flags carry a status that changes as moderators act; every change is also an append-only row in
``moderation_actions`` and the audit log, so no decision is ever lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Boolean, Float, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.store.schema import Base
from assistant.store.types import UTCDateTime


class FlagRow(Base):
    __tablename__ = "moderation_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[str] = mapped_column(String(64), index=True)
    ts: Mapped[str] = mapped_column(String(32))
    message_time: Mapped[float] = mapped_column(Float, index=True)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    judgment: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(32), index=True)
    decision: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    shadow: Mapped[bool] = mapped_column(Boolean, default=False)
    message_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    alert_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    edits: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("channel_id", "ts", name="uq_moderation_flag_message"),)


class AlertRow(Base):
    """One alert shown to moderators; flags point at it (a burst shares one)."""

    __tablename__ = "moderation_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    first_time: Mapped[float] = mapped_column(Float)
    last_time: Mapped[float] = mapped_column(Float, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ActionRow(Base):
    """Append-only: every action a moderator took or tried on a flag."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flag_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    message: Mapped[str] = mapped_column(Text, default="")


class PolicyRow(Base):
    """The override of one channel (``*`` = workspace); every change is audited."""

    __tablename__ = "moderation_policies"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


TABLES: list[Table] = [cast(Table, row.__table__) for row in (FlagRow, AlertRow, ActionRow, PolicyRow)]

"""Survey tables, declared on the archive's ``Base`` (created and changed by migration 0004 onwards).

An answer row is keyed by the survey and a *respondent key*. For a named survey that key is the member's user id;
for an anonymous one it is a keyed hash (HMAC-SHA256 with a secret that is not kept in the archive: the Slack
signing secret) of the survey and the member, so one member still has one answer that a change replaces, but
nothing in the data directory says who answered what. Anonymous answers keep no answer time either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.store.schema import Base


class SurveyRow(Base):
    __tablename__ = "surveys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    #: "single", "multiple" or "text"
    kind: Mapped[str] = mapped_column(String(16))
    options: Mapped[list[Any]] = mapped_column(JSON, default=list)
    channels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    template: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: channel id -> ts of the message the survey was posted as (updated when it closes)
    posts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SurveyAnswerRow(Base):
    __tablename__ = "survey_answers"

    survey_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    respondent: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the channel (micro-community) the survey was answered from
    channel_id: Mapped[str] = mapped_column(String(64), default="")
    choices: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

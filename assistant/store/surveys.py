"""The surveys repository: survey tables, declared on the archive's ``Base`` (created and changed by migration
0004 onwards), and ``SurveyStore``, which reads and writes them as ``Survey`` and ``SurveyAnswer`` models.

An answer row is keyed by the survey and a *respondent key*. For a named survey that key is the member's user id;
for an anonymous one it is a keyed hash (HMAC-SHA256 with a secret that is not kept in the archive: the Slack
signing secret) of the survey and the member, so one member still has one answer that a change replaces, but
nothing in the data directory says who answered what. Anonymous answers keep no answer time either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String, Text, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.domain.surveys import Survey, SurveyAnswer
from assistant.errors import NotFoundError
from assistant.store.archive import Archive
from assistant.store.schema import Base
from assistant.store.types import UTCDateTime


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
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
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SurveyStore:
    """The survey repository: ``Survey`` and ``SurveyAnswer`` models in and out, one transaction per call."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    # Surveys ----------------------------------------------------------------------------------------------------
    def add(self, survey: Survey) -> None:
        row = SurveyRow(
            id=survey.id,
            question=survey.question,
            kind=survey.kind,
            options=list(survey.options),
            channels=list(survey.channels),
            anonymous=survey.anonymous,
            template=survey.template,
            created_by=survey.created_by,
            created_at=survey.created_at,
            closes_at=survey.closes_at,
            posts=dict(survey.posts),
        )
        with self.archive._session() as s, s.begin():
            s.add(row)

    def record_post(self, survey_id: str, channel_id: str, ts: str) -> None:
        with self.archive._session() as s, s.begin():
            row = _row(s, survey_id)
            row.posts = {**(row.posts or {}), channel_id: ts}

    def close(self, survey_id: str, closed_by: str, at: datetime) -> tuple[Survey, bool]:
        """Close a survey; the survey and whether this call closed it (False: it was closed already). One
        conditional UPDATE, so of two processes closing the same survey at once exactly one closes it."""
        with self.archive._session() as s, s.begin():
            done = s.execute(
                update(SurveyRow)
                .where(SurveyRow.id == survey_id, SurveyRow.closed_at.is_(None))
                .values(closed_at=at, closed_by=closed_by)
            )
            row = _row(s, survey_id)
            return _survey(row, _count(s, survey_id)), bool(getattr(done, "rowcount", 0))

    def due(self, now: datetime) -> list[Survey]:
        """Open surveys whose closing time has come (answer counts not read: 0)."""
        with self.archive._session() as s:
            rows = s.scalars(
                select(SurveyRow).where(SurveyRow.closed_at.is_(None), SurveyRow.closes_at <= now)
            ).all()
            return [_survey(r, 0) for r in sorted(rows, key=lambda r: r.closes_at)]

    def get(self, survey_id: str) -> Survey:
        with self.archive._session() as s:
            return _survey(_row(s, survey_id), _count(s, survey_id))

    def list_surveys(self, *, open_only: bool = False) -> list[Survey]:
        with self.archive._session() as s:
            counts: dict[str, int] = {
                str(sid): int(n)
                for sid, n in s.execute(
                    select(SurveyAnswerRow.survey_id, func.count()).group_by(SurveyAnswerRow.survey_id)
                ).all()
            }
            q = select(SurveyRow).order_by(SurveyRow.created_at.desc(), SurveyRow.id)
            if open_only:
                q = q.where(SurveyRow.closed_at.is_(None))
            return [_survey(r, int(counts.get(r.id, 0))) for r in s.scalars(q).all()]

    # Answers ----------------------------------------------------------------------------------------------------
    def put_answer(
        self,
        survey_id: str,
        respondent: str,
        *,
        channel_id: str,
        choices: list[str],
        text: str,
        answered_at: datetime | None,
    ) -> bool:
        """Store a respondent's answer (replacing theirs); True if they had answered before."""
        with self.archive._session() as s, s.begin():
            existing = s.get(SurveyAnswerRow, (survey_id, respondent))
            values = {
                "survey_id": survey_id,
                "respondent": respondent,
                "channel_id": channel_id,
                "choices": choices,
                "text": text,
                "answered_at": answered_at,
            }
            s.execute(
                self.archive.upsert(
                    SurveyAnswerRow, ["survey_id", "respondent"], ["channel_id", "choices", "text", "answered_at"]
                ),
                [values],
            )
        return existing is not None

    def withdraw_answer(self, survey_id: str, respondent: str) -> None:
        with self.archive._session() as s, s.begin():
            existing = s.get(SurveyAnswerRow, (survey_id, respondent))
            if existing is not None:
                s.delete(existing)

    def answer_of(self, survey_id: str, respondent: str, *, anonymous: bool) -> SurveyAnswer | None:
        with self.archive._session() as s:
            row = s.get(SurveyAnswerRow, (survey_id, respondent))
            return _answer(row, anonymous) if row else None

    def answers(self, survey_id: str, *, anonymous: bool) -> list[SurveyAnswer]:
        """The survey's answers in stored order (an anonymous survey's without who answered or when)."""
        with self.archive._session() as s:
            rows = s.scalars(select(SurveyAnswerRow).where(SurveyAnswerRow.survey_id == survey_id)).all()
            return [_answer(r, anonymous) for r in rows]


def _row(s: Session, survey_id: str) -> SurveyRow:
    row = s.get(SurveyRow, survey_id.strip().upper())
    if row is None:
        raise NotFoundError(f"No survey {survey_id!r}; `assistant survey list` shows them.")
    return row


def _count(s: Session, survey_id: str) -> int:
    return int(
        s.scalar(select(func.count()).select_from(SurveyAnswerRow).where(SurveyAnswerRow.survey_id == survey_id))
        or 0
    )


def _survey(row: SurveyRow, answers: int) -> Survey:
    return Survey(
        id=row.id,
        question=row.question,
        kind=row.kind,
        options=list(row.options or []),
        channels=list(row.channels or []),
        anonymous=bool(row.anonymous),
        template=row.template or "",
        created_by=row.created_by,
        created_at=row.created_at,
        closes_at=row.closes_at,
        closed_at=row.closed_at,
        closed_by=row.closed_by,
        posts={str(k): str(v) for k, v in (row.posts or {}).items()},
        answers=answers,
    )


def _answer(row: SurveyAnswerRow, anonymous: bool) -> SurveyAnswer:
    return SurveyAnswer(
        channel_id=row.channel_id,
        choices=list(row.choices or []),
        text=row.text or "",
        user_id=None if anonymous else row.respondent,
        answered_at=row.answered_at,
    )

"""``SurveyService``: create a survey, record answers (one per member, a change replaces the old one), close it
on time or on request, and compute its results (counts per option and per micro-community, free-text answers
clustered into themes the way wants are: ``results``). Rows are read and written by the store's survey
repository (``assistant.store.surveys``).

Anonymous surveys never store who answered what: an answer is keyed by a keyed hash of the survey and the member
whose key (``secret``) is not kept in the archive. The audit log records who created and who closed a survey,
never an answer.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from assistant.clock import Clock, system_clock
from assistant.domain import AuditEvent, Message
from assistant.errors import AssistantError
from assistant.store import Archive
from assistant.store.surveys import SurveyStore
from assistant.surveys.models import (
    MAX_ANSWER,
    Survey,
    SurveyAnswer,
    SurveyResults,
    SurveySpec,
)
from assistant.surveys.results import Encode, tally

logger = logging.getLogger(__name__)

CREATED = "survey.create"
CLOSED = "survey.close"


class SurveyClosedError(AssistantError):
    """An answer came after the survey closed."""


class SurveyService:
    def __init__(
        self,
        archive: Archive,
        *,
        encode: Encode | None = None,
        secret: bytes | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.archive = archive
        self.store = SurveyStore(archive)
        self.clock = clock
        self._encode = encode
        if not secret:
            logger.info("no survey secret (SLACK_SIGNING_SECRET): anonymous answers are kept apart per process")
            secret = secrets.token_bytes(32)
        self._secret = secret
        self._vectors: dict[str, np.ndarray] = {}

    # Creating and closing ---------------------------------------------------------------------------------------
    def create(self, spec: SurveySpec, created_by: str) -> Survey:
        now = self.clock()
        if spec.closes_at <= now:
            raise AssistantError("The closing time is in the past; choose a later one.")
        survey = Survey(
            id="S" + secrets.token_hex(5).upper(),
            question=spec.question,
            kind=spec.kind,
            options=list(spec.options),
            channels=list(dict.fromkeys(spec.channels)),
            anonymous=spec.anonymous,
            template=spec.template,
            created_by=created_by,
            created_at=now,
            closes_at=spec.closes_at.astimezone(UTC),
            posts={},
            answers=0,
        )
        self.store.add(survey)
        self.archive.append_audit(
            AuditEvent(
                at=now,
                actor=created_by,
                action=CREATED,
                target=survey.id,
                details={
                    "question": survey.question,
                    "kind": survey.kind,
                    "channels": survey.channels,
                    "anonymous": survey.anonymous,
                    "closes_at": survey.closes_at.isoformat(),
                    "template": survey.template,
                },
            )
        )
        return survey

    def record_post(self, survey_id: str, channel_id: str, ts: str) -> None:
        """Remember the message a survey was posted as in a channel (updated when it closes)."""
        self.store.record_post(survey_id, channel_id, ts)

    def close(self, survey_id: str, closed_by: str) -> Survey:
        """Close a survey (idempotent: closing a closed survey changes nothing and is not audited again)."""
        return self.close_once(survey_id, closed_by)[0]

    def close_once(self, survey_id: str, closed_by: str) -> tuple[Survey, bool]:
        """Close a survey; the survey and whether this call closed it. Of several callers (replicas, the timer
        and a manager at once) exactly one gets True: only that one should announce the results."""
        now = self.clock()
        survey, closed_now = self.store.close(survey_id, closed_by, now)
        if not closed_now:
            return survey, False
        self.archive.append_audit(
            AuditEvent(
                at=now,
                actor=closed_by,
                action=CLOSED,
                target=survey_id,
                reason="closing time reached" if closed_by == "assistant" else "",
                details={"respondents": survey.answers},
            )
        )
        return survey, True

    def due(self, now: datetime | None = None) -> list[Survey]:
        """Open surveys whose closing time has come."""
        now = now or self.clock()
        return self.store.due(now)

    def close_due(self, now: datetime | None = None) -> list[Survey]:
        """Close the surveys whose time has come; the ones this call closed (not those another process did)."""
        closed = (self.close_once(s.id, "assistant") for s in self.due(now))
        return [survey for survey, closed_now in closed if closed_now]

    # Answers ----------------------------------------------------------------------------------------------------
    def respondent_key(self, survey: Survey, user_id: str) -> str:
        if not survey.anonymous:
            return user_id
        digest = hmac.new(self._secret, f"{survey.id}:{user_id}".encode(), hashlib.sha256).hexdigest()
        return "anon:" + digest[:48]

    def answer(
        self,
        survey_id: str,
        user_id: str,
        *,
        channel_id: str,
        choices: Sequence[str] = (),
        text: str = "",
    ) -> str:
        """Record a member's answer: "recorded", "replaced" (they had answered before) or "withdrawn" (a choice
        survey answered with nothing ticked)."""
        survey = self.get(survey_id)
        now = self.clock()
        if survey.closed_at is not None or survey.closes_at <= now:  # the closing itself is the caller's
            raise SurveyClosedError("This survey is closed; answers are no longer recorded.")
        picked: list[str] = []
        if survey.kind == "text":
            text = " ".join(text.split())[:MAX_ANSWER]
            if not text:
                raise AssistantError("Write an answer first.")
        else:
            unknown = [c for c in choices if c not in survey.options]
            if unknown:
                raise AssistantError("That option is not part of this survey (it may have changed).")
            picked = [o for o in survey.options if o in set(choices)]
            if survey.kind == "single" and len(picked) > 1:
                raise AssistantError("Pick one option.")
            text = ""
        where = channel_id if channel_id in survey.channels else (survey.channels[0] if survey.channels else "")
        key = self.respondent_key(survey, user_id)
        if survey.kind != "text" and not picked:
            self.store.withdraw_answer(survey_id, key)
            return "withdrawn"
        replaced = self.store.put_answer(
            survey_id,
            key,
            channel_id=where,
            choices=picked,
            text=text,
            answered_at=None if survey.anonymous else now,
        )
        return "replaced" if replaced else "recorded"

    def answer_of(self, survey_id: str, user_id: str) -> SurveyAnswer | None:
        """A member's own current answer (to show them what they answered)."""
        survey = self.get(survey_id)
        return self.store.answer_of(survey_id, self.respondent_key(survey, user_id), anonymous=survey.anonymous)

    # Reading ----------------------------------------------------------------------------------------------------
    def get(self, survey_id: str) -> Survey:
        return self.store.get(survey_id)

    def list_surveys(self, *, open_only: bool = False) -> list[Survey]:
        return self.store.list_surveys(open_only=open_only)

    def answers(self, survey_id: str) -> list[SurveyAnswer]:
        survey = self.get(survey_id)
        out = self.store.answers(survey_id, anonymous=survey.anonymous)
        # Named: in the order given. Anonymous: by the hash (no order that could tell who answered when).
        if survey.anonymous:
            return out
        return sorted(out, key=lambda a: (a.answered_at or survey.created_at, a.user_id or ""))

    def results(self, survey_id: str, channel_names: dict[str, str] | None = None) -> SurveyResults:
        survey = self.get(survey_id)
        answers = self.answers(survey_id)
        names = channel_names if channel_names is not None else {c.id: c.name for c in self.archive.channels()}
        return tally(survey, answers, names, self._encode)

    def export(self, survey_id: str) -> dict[str, object]:
        """Everything about a survey as JSON-able data: the survey, its results and (named) its answers."""
        results = self.results(survey_id)
        data: dict[str, object] = results.model_dump(mode="json")
        if results.survey.anonymous:
            data["answers"] = [
                a.model_dump(mode="json", exclude={"user_id", "answered_at"}) for a in self.answers(survey_id)
            ]
        return data

    def solicited_wants(self, channel_id: str) -> list[tuple[Survey, SurveyAnswer]]:
        """Free-text answers given from a channel: wants the community was asked for."""
        out: list[tuple[Survey, SurveyAnswer]] = []
        for survey in self.list_surveys():
            if survey.kind != "text" or channel_id not in survey.channels:
                continue
            out.extend((survey, a) for a in self.answers(survey.id) if a.channel_id == channel_id and a.text)
        return out

    def solicited_messages(self, channel_id: str) -> list[tuple[Message, np.ndarray]]:
        """The channel's free-text answers as messages with their vectors, for "what does #X want?" (marked
        solicited there). An answer's time is the survey's start; an anonymous one has no author."""
        pairs = self.solicited_wants(channel_id)
        if not pairs or self._encode is None:
            return []
        texts = [a.text for _, a in pairs]
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            vectors = np.asarray(self._encode(missing), dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            self._vectors.update(zip(missing, vectors / np.where(norms == 0, 1.0, norms), strict=True))
        out = []
        for n, (survey, a) in enumerate(pairs, start=1):
            ts = f"{int(survey.created_at.timestamp()) - 1}.{n:06d}"  # within the second the survey began
            m = Message(channel_id=channel_id, ts=ts, user_id=a.user_id, text=a.text, raw_text=a.text)
            out.append((m, self._vectors[a.text]))
        return out

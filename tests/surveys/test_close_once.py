"""Closing a survey is one atomic step on SQLite and the real PostgreSQL: of several closers at once (replicas'
timers, a manager's /survey close), exactly one closes it, audits it and announces its results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assistant.domain import Channel
from assistant.store import Archive
from assistant.surveys.models import SurveySpec
from assistant.surveys.service import CLOSED, SurveyService
from tests.reliability.conftest import archive_url  # noqa: F401  (SQLite + PostgreSQL)
from tests.threads import run_together

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def test_of_eight_closers_at_once_exactly_one_closes_the_survey(archive_url: str) -> None:  # noqa: F811
    archive = Archive(archive_url)
    try:
        archive.upsert_channels([Channel(id="CDESIGN01", name="design")])
        spec = SurveySpec.model_validate(
            {
                "question": "Which format?",
                "kind": "single",
                "options": ["Talk", "Workshop"],
                "channels": ["CDESIGN01"],
                "closes_at": NOW + timedelta(days=1),
            }
        )
        service = SurveyService(archive, encode=None, secret=b"k", clock=lambda: NOW)
        survey = service.create(spec, "UMANAGER1")
        outcomes = run_together(8, lambda i: service.close_once(survey.id, f"U{i}")[1])
        assert sorted(outcomes) == [False] * 7 + [True]
        closed = service.get(survey.id)
        assert closed.closed_at is not None
        assert [e.actor for e in archive.audit(action=CLOSED)] == [closed.closed_by]
        assert service.close_due(NOW + timedelta(days=2)) == []  # nothing left for a timer to announce
    finally:
        archive.close()

"""Closing a survey is one atomic step on SQLite and the real PostgreSQL: of several closers at once (replicas'
timers, a manager's /survey close), exactly one closes it, audits it and announces its results."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from assistant.domain import Channel
from assistant.store import Archive
from assistant.surveys.models import SurveySpec
from assistant.surveys.service import CLOSED, SurveyService
from tests.reliability.conftest import archive_url  # noqa: F401  (SQLite + PostgreSQL)

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
        start = threading.Barrier(8)
        outcomes: list[bool] = []
        errors: list[BaseException] = []

        def close(who: str) -> None:
            try:
                start.wait()
                outcomes.append(service.close_once(survey.id, who)[1])
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=close, args=(f"U{i}",)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(outcomes) == [False] * 7 + [True]
        closed = service.get(survey.id)
        assert closed.closed_at is not None
        assert [e.actor for e in archive.audit(action=CLOSED)] == [closed.closed_by]
        assert service.close_due(NOW + timedelta(days=2)) == []  # nothing left for a timer to announce
    finally:
        archive.close()

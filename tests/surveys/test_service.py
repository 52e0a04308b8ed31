"""The survey service on a real archive: one answer per member, changes replace, closing on time, results, the
audit log, and anonymity (no user id anywhere in the data directory)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.domain import Channel
from assistant.encoder import Encoder
from assistant.errors import AssistantError
from assistant.store import Archive
from assistant.surveys.models import SurveySpec
from assistant.surveys.service import CLOSED, CREATED, SurveyClosedError, SurveyService

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
DESIGN, EVENTS = "CDESIGN01", "CEVENTS01"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture()
def archive(tmp_path: Path) -> Archive:
    (tmp_path / "data").mkdir()
    archive = Archive(f"sqlite:///{tmp_path / 'data' / 'archive.sqlite3'}")
    archive.upsert_channels([Channel(id=DESIGN, name="design"), Channel(id=EVENTS, name="events")])
    return archive


def _service(archive: Archive, clock: Clock, encoder: Encoder | None = None) -> SurveyService:
    encode = (lambda texts: encoder.encode(list(texts)).vectors) if encoder is not None else None
    return SurveyService(archive, encode=encode, secret=b"not-in-the-archive", clock=clock)


def _spec(**kw: object) -> SurveySpec:
    values: dict[str, object] = {
        "question": "Which format?",
        "kind": "single",
        "options": ["Talk", "Workshop", "Online"],
        "channels": [DESIGN, EVENTS],
        "closes_at": NOW + timedelta(days=3),
    }
    return SurveySpec.model_validate(values | kw)


def test_one_answer_per_member_and_a_change_replaces_it(archive: Archive) -> None:
    surveys = _service(archive, Clock(NOW))
    survey = surveys.create(_spec(), "UMANAGER1")
    assert surveys.answer(survey.id, "UANA", channel_id=DESIGN, choices=["Talk"]) == "recorded"
    assert surveys.answer(survey.id, "UANA", channel_id=DESIGN, choices=["Workshop"]) == "replaced"
    assert surveys.answer(survey.id, "UBEN", channel_id=EVENTS, choices=["Workshop"]) == "recorded"
    assert surveys.answer(survey.id, "UCAT", channel_id=EVENTS, choices=["Online"]) == "recorded"
    results = surveys.results(survey.id)
    assert results.respondents == 3
    assert {o.option: o.count for o in results.options} == {"Talk": 0, "Workshop": 2, "Online": 1}
    per = {c.channel_name: {o.option: o.count for o in c.options} for c in results.per_channel}
    assert per == {
        "events": {"Talk": 0, "Workshop": 1, "Online": 1},
        "design": {"Talk": 0, "Workshop": 1, "Online": 0},
    }
    assert [a.user_id for a in results.answers] == ["UANA", "UBEN", "UCAT"]
    with pytest.raises(AssistantError):
        surveys.answer(survey.id, "UANA", channel_id=DESIGN, choices=["Talk", "Online"])  # single choice
    with pytest.raises(AssistantError):
        surveys.answer(survey.id, "UANA", channel_id=DESIGN, choices=["Not an option"])


def test_multiple_choice_unticking_everything_withdraws(archive: Archive) -> None:
    surveys = _service(archive, Clock(NOW))
    survey = surveys.create(_spec(kind="multiple"), "UMANAGER1")
    surveys.answer(survey.id, "UANA", channel_id=DESIGN, choices=["Online", "Talk"])
    assert surveys.results(survey.id).options[0].count == 1
    assert surveys.answer_of(survey.id, "UANA").choices == ["Talk", "Online"]  # type: ignore[union-attr]
    assert surveys.answer(survey.id, "UANA", channel_id=DESIGN, choices=[]) == "withdrawn"
    assert surveys.results(survey.id).respondents == 0


def test_closes_on_time_and_the_audit_log_has_no_answers(archive: Archive) -> None:
    clock = Clock(NOW)
    surveys = _service(archive, clock)
    survey = surveys.create(_spec(kind="text", options=[]), "UMANAGER1")
    surveys.answer(survey.id, "UANA", channel_id=DESIGN, text="More critique sessions with secret sauce")
    assert surveys.due() == []
    clock.at = NOW + timedelta(days=3)
    assert [s.id for s in surveys.close_due()] == [survey.id]
    assert surveys.get(survey.id).closed_by == "assistant"
    assert surveys.close_due() == []
    with pytest.raises(SurveyClosedError):
        surveys.answer(survey.id, "UBEN", channel_id=DESIGN, text="too late")
    events = archive.audit()
    assert [(e.action, e.actor) for e in events] == [(CREATED, "UMANAGER1"), (CLOSED, "assistant")]
    assert "secret sauce" not in str([e.model_dump() for e in events])


def test_an_answer_after_the_closing_time_is_refused(archive: Archive) -> None:
    clock = Clock(NOW)
    surveys = _service(archive, clock)
    survey = surveys.create(_spec(), "UMANAGER1")
    clock.at = NOW + timedelta(days=4)
    with pytest.raises(SurveyClosedError):
        surveys.answer(survey.id, "UANA", channel_id=DESIGN, choices=["Talk"])
    assert surveys.results(survey.id).respondents == 0
    assert [s.id for s in surveys.due()] == [survey.id]


def test_anonymous_answers_leave_no_user_id_in_the_data_directory(archive: Archive, tmp_path: Path) -> None:
    surveys = _service(archive, Clock(NOW))
    survey = surveys.create(_spec(anonymous=True), "UMANAGER1")
    surveys.answer(survey.id, "UANONYMOUS7", channel_id=DESIGN, choices=["Talk"])
    assert surveys.answer(survey.id, "UANONYMOUS7", channel_id=DESIGN, choices=["Online"]) == "replaced"
    results = surveys.results(survey.id)
    assert results.respondents == 1 and results.answers == []
    assert {o.option: o.count for o in results.options}["Online"] == 1
    assert "UANONYMOUS7" not in str(surveys.export(survey.id))
    archive.close()
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            assert b"UANONYMOUS7" not in path.read_bytes(), path


def test_free_text_answers_are_clustered_into_themes(archive: Archive, encoder: Encoder) -> None:
    surveys = _service(archive, Clock(NOW), encoder)
    survey = surveys.create(_spec(kind="text", options=[], question="What should #design focus on?"), "UM")
    answers = [
        "More portfolio review sessions",
        "Portfolio reviews with senior designers",
        "Regular portfolio critique evenings",
        "A Figma plugin workshop",
        "Figma plugins and automation tips",
        "Better coffee",
    ]
    for n, text in enumerate(answers):
        surveys.answer(survey.id, f"U{n:08d}", channel_id=DESIGN, text=text)
    results = surveys.results(survey.id)
    assert results.respondents == 6
    sizes = {t.label: t.size for t in results.themes}
    assert any("portfolio" in label for label in sizes), sizes
    assert any("figma" in label for label in sizes), sizes
    assert "Better coffee" in results.one_offs
    wants = surveys.solicited_wants(DESIGN)
    assert len(wants) == 6 and surveys.solicited_wants(EVENTS) == []


def test_a_spec_is_checked() -> None:
    with pytest.raises(ValueError):
        _spec(options=["Only one"])
    with pytest.raises(ValueError):
        _spec(question="   ")
    assert _spec(kind="text").options == []

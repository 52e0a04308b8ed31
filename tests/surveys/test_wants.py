"""Free-text survey answers flow into "what does #X want?" as wants, marked solicited (clustered with the
channel's own want messages; anonymous answers cite no author)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assistant.clock import frozen_clock
from assistant.context import Context
from assistant.domain import Channel
from assistant.surveys import survey_service
from assistant.surveys.models import SurveySpec

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
DESIGN = "CDESIGN01"


def test_survey_answers_are_solicited_wants(ctx: Context) -> None:
    ctx.clock = frozen_clock(NOW)
    ctx.archive.upsert_channels([Channel(id=DESIGN, name="design")])
    surveys = survey_service(ctx)
    spec = SurveySpec(
        question="What should #design focus on next month?",
        kind="text",
        channels=[DESIGN],
        anonymous=True,
        closes_at=NOW + timedelta(days=3),
    )
    survey = surveys.create(spec, "UMANAGER1")
    for n, text in enumerate(
        ["More portfolio review sessions", "Portfolio reviews with senior designers", "A proper coffee machine"]
    ):
        surveys.answer(survey.id, f"UMEMBER{n}", channel_id=DESIGN, text=text)
    (wants,) = ctx.insights.wants("design", at=NOW)
    assert wants.wants == 3 and wants.solicited == 3
    (theme,) = wants.themes
    assert theme.solicited == 2 and "portfolio" in theme.label
    assert all(c.user == "anonymous (survey answer)" for c in theme.representatives)
    assert [c.text for c in wants.one_offs] == ["A proper coffee machine"]
    answer = ctx.qa.ask("What does #design want?")
    (row,) = answer.facts["per_channel"]
    assert row["solicited"] == 3 and row["themes"][0]["solicited"] == 2

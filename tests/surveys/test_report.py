"""The HTML report has a survey section: each survey's results and a chart of the answers per option."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from assistant.clock import frozen_clock
from assistant.context import Context
from assistant.domain import Channel, Message
from assistant.surveys import survey_service
from assistant.surveys.models import SurveySpec

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def test_report_shows_survey_results_with_a_chart(ctx: Context, tmp_path: Path) -> None:
    ctx.clock = frozen_clock(NOW)
    ctx.archive.upsert_channels([Channel(id="CEVENTS01", name="events"), Channel(id="CSECRET01", name="secret")])
    ctx.archive.upsert_messages(
        [
            Message(
                channel_id="CEVENTS01", ts=f"{(NOW - timedelta(days=1)).timestamp():.6f}", user_id="UA", text="hi"
            )
        ]
    )
    surveys = survey_service(ctx)
    spec = SurveySpec(
        question="Which meetup format?",
        options=["Evening talk", "Hands-on workshop"],
        channels=["CEVENTS01"],
        closes_at=NOW + timedelta(days=2),
    )
    survey = surveys.create(spec, "UMANAGER1")
    for n, option in enumerate(["Hands-on workshop", "Hands-on workshop", "Evening talk"]):
        surveys.answer(survey.id, f"UMEMBER{n}", channel_id="CEVENTS01", choices=[option])
    hidden = spec.model_copy(update={"question": "Secret plans?", "channels": ["CSECRET01"]})
    surveys.create(hidden, "UMANAGER1")
    html = ctx.insights.report(tmp_path / "report.html", at=NOW).read_text()
    assert "<h2>Surveys</h2>" in html and "Which meetup format?" in html
    assert "Hands-on workshop: 2" in html and "#events: 3" in html
    assert 'alt="Survey answers per option" src="data:image/png;base64,' in html
    visible = ctx.insights.report(tmp_path / "visible.html", at=NOW, visible_channel_ids={"CEVENTS01"}).read_text()
    assert "Which meetup format?" in visible and "Secret plans?" not in visible

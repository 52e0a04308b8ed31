"""``assistant survey list|show|export|close`` on an archive with surveys (answers seeded through the service)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.clock import frozen_clock
from assistant.context import Context
from assistant.domain import Channel
from assistant.surveys import survey_service
from assistant.surveys.models import SurveySpec

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def test_list_show_export_and_close(ctx: Context) -> None:
    ctx.clock = frozen_clock(NOW)
    ctx.archive.upsert_channels([Channel(id="CDESIGN01", name="design")])
    surveys = survey_service(ctx)
    spec = SurveySpec(
        question="Which format?",
        options=["Talk", "Workshop"],
        channels=["CDESIGN01"],
        anonymous=True,
        closes_at=NOW + timedelta(days=2),
    )
    survey = surveys.create(spec, "UMANAGER1")
    surveys.answer(survey.id, "USECRET01", channel_id="CDESIGN01", choices=["Workshop"])
    data_dir = ["--data-dir", str(ctx.settings.data_dir)]
    runner = CliRunner()

    listed = runner.invoke(app, ["survey", "list", *data_dir, "--json"])
    assert listed.exit_code == 0, listed.output
    assert [(s["id"], s["answers"]) for s in json.loads(listed.stdout)] == [(survey.id, 1)]

    shown = runner.invoke(app, ["survey", "show", survey.id, *data_dir, "--json"])
    assert shown.exit_code == 0, shown.output
    results = json.loads(shown.stdout)
    assert {o["option"]: o["count"] for o in results["options"]} == {"Talk": 0, "Workshop": 1}
    assert results["per_channel"][0]["channel_name"] == "design"

    exported = runner.invoke(app, ["survey", "export", survey.id, *data_dir, "--json"])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["answers"] == [
        {"channel_id": "CDESIGN01", "choices": ["Workshop"], "text": ""}
    ]
    assert "USECRET01" not in exported.stdout

    closed = runner.invoke(app, ["survey", "close", survey.id, *data_dir, "--json"])
    assert closed.exit_code == 0, closed.output
    assert json.loads(closed.stdout)["closed_by"].startswith("cli:")
    missing = runner.invoke(app, ["survey", "show", "SNOPE", *data_dir])
    assert missing.exit_code != 0

"""The HTML report file, the weekly digest, the channel-health record and the CLI's JSON interface."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.context import Context
from tests.insights.workspace import DESIGN, NOW


def test_report_is_a_self_contained_html_file(ws: Context, tmp_path: Path) -> None:
    path = ws.insights.report(tmp_path / "out" / "report.html", at=NOW)
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert html.count('src="data:image/png;base64,') >= 4  # activity, sentiment, wants, member flow
    assert not re.search(r'(src|href)="https?://', html)  # nothing loaded from elsewhere
    for expected in ("#design", "dark mode", "Dora Novak", "Eli Haddad", "resin"):
        assert expected in html
    assert "&lt;/message&gt;" in html or "Ignore all previous" not in html  # message text is escaped


def test_report_hides_invisible_channels(ws: Context, tmp_path: Path) -> None:
    html = ws.insights.report(tmp_path / "r.html", at=NOW, visible_channel_ids={DESIGN}).read_text()
    assert "secret plan" not in html and "#secret" not in html


def test_digest_text_and_structure(ws: Context) -> None:
    digest = ws.insights.digest(channels=["design", "hardware"], at=NOW)
    assert [c.channel_name for c in digest.channels] == ["design", "hardware"]
    design = digest.channels[0]
    assert design.metrics.messages == 7 and design.wants[0].label == "dark mode"
    assert [n.user_id for n in design.newcomers] == ["U5"]
    assert [q.user_id for q in digest.channels[1].quiet] == ["U4"]
    text = digest.text()
    assert "#design: 7 messages, 4 of 5 members active (80%)" in text
    assert 'Want: "dark mode"' in text and "Went quiet: Dora Novak" in text


def test_digest_early_in_the_week_covers_the_last_full_week(ws: Context) -> None:
    from datetime import UTC, datetime

    digest = ws.insights.digest(channels=["design"], at=datetime(2026, 3, 17, 9, tzinfo=UTC))
    assert digest.start == datetime(2026, 3, 9, tzinfo=UTC)
    assert digest.channels[0].metrics.messages == 4  # P1, P2 + reply, the Saturday message


def test_digest_for_a_manager_uses_their_channels(ws: Context) -> None:
    digest = ws.insights.digest(manager_id="U4", at=NOW)
    assert [c.channel_name for c in digest.channels] == ["hardware"]


def test_channel_health(ws: Context) -> None:
    health = ws.insights.channel_health(DESIGN, at=NOW)
    assert health.week.messages == 7 and health.month.messages == 11
    assert health.top_wants[0] == "dark mode"


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_cli_ask_json(ws: Context, runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["ask", "What does design want?", "--data-dir", str(ws.settings.data_dir), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"answer", "citations", "facts"}
    assert payload["citations"] and {"channel", "ts", "text"} <= set(payload["citations"][0])
    assert payload["facts"]["intent"] == "wants"


def test_cli_ask_with_channel_option(ws: Context, runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        ["ask", "what do people want?", "--channel", "#design", "--data-dir", str(ws.settings.data_dir), "--json"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["facts"]["channels"] == ["design"]


def test_cli_wants_json(ws: Context, runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["wants", "--channel", "design", "--data-dir", str(ws.settings.data_dir), "--json"]
    )
    assert result.exit_code == 0, result.output
    [design] = json.loads(result.stdout)
    theme = design["themes"][0]
    assert theme["label"] == "dark mode" and theme["size"] == 4
    assert all({"channel", "ts", "text"} <= set(c) for c in theme["citations"])


def test_cli_metrics_members_json(ws: Context, runner: CliRunner) -> None:
    metrics = runner.invoke(
        app, ["metrics", "--period", "month", "--data-dir", str(ws.settings.data_dir), "--json"]
    )
    assert metrics.exit_code == 0, metrics.output
    data = json.loads(metrics.stdout)
    assert {c["channel_name"] for c in data["channels"]} >= {"design", "hardware"}
    members = runner.invoke(app, ["members", "--data-dir", str(ws.settings.data_dir), "--json"])
    assert members.exit_code == 0, members.output
    assert {"top_contributors", "quiet", "unanswered_newcomers", "twins"} == set(json.loads(members.stdout))

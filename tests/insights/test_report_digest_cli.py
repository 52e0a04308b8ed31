"""The HTML report file, the weekly digest, the channel-health record and the CLI's JSON interface."""

from __future__ import annotations

import json
import re
from datetime import timedelta
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
    # The footer says what the windows are, from the windows used.
    assert '"This month" is the calendar month (UTC) from 01 Mar 2026 up to "now"' in html
    assert "trends compare it with the same days of last month" in html
    assert '"The past 30 days" are the 720 hours up to "now"' in html
    assert "Recognise (the past 30 days)" in html


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
    assert text.startswith("Weekly digest (this week), Mon 16 Mar 2026 – Fri 20 Mar 2026")
    assert "#design: 7 messages, 4 of 5 members active (80%), +133% messages vs the same days of last week" in text
    assert 'Want: "dark mode"' in text and "Went quiet: Dora Novak" in text


def test_digest_early_in_the_week_covers_the_last_full_week(ws: Context) -> None:
    from datetime import UTC, datetime

    digest = ws.insights.digest(channels=["design"], at=datetime(2026, 3, 17, 9, tzinfo=UTC))
    assert (digest.start, digest.end) == (datetime(2026, 3, 9, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC))
    assert digest.channels[0].metrics.messages == 4  # P1, P2 + reply, the Saturday message
    # The whole ISO week, named as last week and compared with the whole week before.
    assert digest.text().startswith("Weekly digest (last week), Mon 09 Mar 2026 – Sun 15 Mar 2026")
    assert digest.channels[0].metrics.window.comparison == "the week before"


def test_digest_for_a_manager_uses_their_channels(ws: Context) -> None:
    digest = ws.insights.digest(manager_id="U4", at=NOW)
    assert [c.channel_name for c in digest.channels] == ["hardware"]


def _posted_within(ws: Context, hours: int) -> int:
    """#design messages in the ``hours`` up to NOW, counted straight from the snapshot."""
    snap = ws.insights.snapshot()
    return sum(1 for m in snap.by_channel[DESIGN] if NOW - timedelta(hours=hours) < m.time <= NOW)


def test_channel_health_covers_the_past_7_and_30_days(ws: Context) -> None:
    health = ws.insights.channel_health(DESIGN, at=NOW)
    # The past 7 × 24 h: this week's 7 and the Saturday before (the calendar week to date had only 7).
    assert health.recent.messages == _posted_within(ws, 7 * 24) == 8
    # The past 30 × 24 h: March's 11 and three late-February messages (the calendar month to date had 11).
    assert health.past_30_days.messages == _posted_within(ws, 30 * 24) == 14
    assert (health.recent.window.short, health.recent.window.comparison) == ("7 days", "the previous 7 days")
    assert health.recent.end - health.recent.start == timedelta(days=7)
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
    assert all(c["window"]["label"] == "this month" for c in data["channels"])
    table = runner.invoke(app, ["metrics", "--period", "day", "--data-dir", str(ws.settings.data_dir)])
    assert table.exit_code == 0, table.output
    title = " ".join(table.output.split())
    assert "Engagement today (" in title and "UTC), Δ vs the same hours of yesterday" in title
    members = runner.invoke(app, ["members", "--data-dir", str(ws.settings.data_dir), "--json"])
    assert members.exit_code == 0, members.output
    assert {"top_contributors", "quiet", "unanswered_newcomers", "twins"} == set(json.loads(members.stdout))

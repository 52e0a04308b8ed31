"""Replay: what a proposed policy would flag in stored history, and its agreement with past decisions."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from assistant.domain.records import ModerationActionKind
from assistant.errors import ConfigError
from assistant.moderation.replay import agreement
from tests.moderation.conftest import ALICE, BOB, CARL, HARDWARE, World

Kind = ModerationActionKind


@pytest.fixture()
def history(make_world: Callable[..., World]) -> World:
    w = make_world(auto_calibrate=False)
    w.post("Good morning, the CNC is free.", user=ALICE, gap=5000)
    w.post("Could we get a second resin printer?", user=CARL, gap=5000)  # a want: not flagged by default
    banter, _ = w.post("Rubbish weather for a build day.", user=ALICE, gap=5000)  # 0.72
    swear, _ = w.post("Damn, my print failed.", user=CARL, gap=5000)  # 0.74
    insult, _ = w.post("You idiot, read the manual.", user=BOB, gap=5000)  # 0.92
    hate, _ = w.post("Those people are vermin.", user=BOB, channel=HARDWARE, gap=5000)  # 0.95
    w.decide(banter, Kind.FALSE_POSITIVE)
    w.decide(swear, Kind.DISMISS)
    w.decide(insult, Kind.WARN)
    w.decide(hate, Kind.REMOVE if w.service.settings.slack_admin_token else Kind.ESCALATE)
    return w


def test_replaying_the_current_policy_matches_what_was_flagged(history: World) -> None:
    report = history.service.replay()
    assert len(report.flagged) == report.current_flagged == 4 and report.added == report.dropped == []
    a = report.agreement
    assert (a.decided, a.true_positive, a.false_positive, a.false_negative) == (4, 2, 2, 0)
    assert a.precision == 0.5 and a.recall == 1.0
    hate = next(f for f in report.flagged if f.channel == "hardware")
    assert hate.judgment == "toxicity" and hate.clause == "clause-4"


def test_a_stricter_threshold_shows_the_difference(history: World) -> None:
    report = history.service.replay(overrides={"toxicity": 0.8})
    assert len(report.flagged) == 2 and report.current_flagged == 4
    assert sorted(f.score for f in report.dropped) == [0.72, 0.74] and report.added == []
    assert report.agreement.precision == 1.0 and report.agreement.recall == 1.0
    too_strict = history.service.replay(overrides={"toxicity": 0.93})
    assert too_strict.agreement.recall == 0.5


def test_replay_scope_by_channel_and_days(history: World) -> None:
    only = history.service.replay(channel="hardware")
    assert [f.channel for f in only.flagged] == ["hardware"] and only.agreement.decided == 1
    assert history.service.replay(since_days=1).judged == 0  # the fixture's history is years old


def test_a_proposal_can_switch_on_another_judgment(history: World) -> None:
    report = history.service.replay(overrides={"want": 0.5})
    [added] = report.added
    assert (added.judgment, added.score, added.clause) == ("want", 0.9, None)
    assert report.judged == 6 and report.current_flagged == 4


def test_bad_proposals_are_clear_errors(history: World) -> None:
    with pytest.raises(ConfigError):
        history.service.replay(overrides={"toxicity": 2.0})


def test_agreement_without_decisions_is_empty() -> None:
    assert agreement({("C", "1")}, {}).precision is None


def test_cli_replay_json_prints_one_object(history: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import app as cli_app

    monkeypatch.setattr("assistant.cli.moderation.make_context", lambda data_dir=None: history.ctx)
    result = CliRunner().invoke(cli_app.app, ["replay", "--set", "toxicity=0.8", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out["flagged"][0]) == {"channel", "ts", "judgment", "score", "clause"}
    assert out["agreement"]["precision"] == 1.0 and len(out["flagged"]) == 2


def test_cli_policy_and_audit(history: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import app as cli_app

    monkeypatch.setattr("assistant.cli.moderation.make_context", lambda data_dir=None: history.ctx)
    runner = CliRunner()
    changed = runner.invoke(cli_app.app, ["policy", "general", "--set", "toxicity=0.8", "--shadow", "--json"])
    assert changed.exit_code == 0, changed.output
    assert json.loads(changed.stdout)["effective"]["toxicity"] == 0.8
    exported = runner.invoke(cli_app.app, ["audit", "--format", "csv", "--action", "policy_changed"])
    assert exported.exit_code == 0 and exported.stdout.splitlines()[0].startswith("id,at,actor,action")
    assert "cli:" in exported.stdout.splitlines()[1]

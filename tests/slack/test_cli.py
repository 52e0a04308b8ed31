"""``assistant serve`` and ``assistant backfill``: clear errors, JSON-only stdout with ``--json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import slack as slack_cli
from assistant.cli.app import main
from assistant.context import Context
from tests.slack.conftest import GENERAL, make_ctx
from tests.slack.doubles import MemoEncoder
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_backfill import fill_history


def test_serve_without_an_app_token_says_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-x")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--data-dir", str(tmp_path)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "SLACK_APP_TOKEN" in err and "Traceback" not in err


def test_backfill_prints_json_reports(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    fake_slack: FakeSlack,
    memo_encoder: MemoEncoder,
) -> None:
    fill_history(fake_slack)
    ctx = make_ctx(tmp_path, fake_slack, memo_encoder)

    def context_for_test(data_dir: Path | None = None) -> Context:
        return ctx

    monkeypatch.setattr(slack_cli, "make_context", context_for_test)
    main(["backfill", "general", "--pace", "0", "--json"])
    reports = json.loads(capsys.readouterr().out)
    assert reports[0]["channel_id"] == GENERAL
    assert reports[0]["messages"] == 11, "8 from history, 3 from the thread (its parent again)"
    assert reports[0]["threads"] == 1

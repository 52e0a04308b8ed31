"""``assistant classify`` prints one JSON line per text, from arguments or stdin."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from assistant.cli.app import main


def _run(args: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        main(args)
    except SystemExit as exc:
        assert exc.code in (0, None)
    return capsys.readouterr().out


def test_classify_arguments_and_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(
        ["classify", "--data-dir", str(tmp_path), "thanks for the help", "you idiot"], "", monkeypatch, capsys
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["text"] for r in rows] == ["thanks for the help", "you idiot"]
    assert rows[1]["toxicity"]["score"] > rows[0]["toxicity"]["score"]
    stdin = json.dumps({"text": "please add a search box"}) + "\n" + json.dumps("plain string line") + "\n"
    out = _run(["classify", "--data-dir", str(tmp_path)], stdin, monkeypatch, capsys)
    assert [json.loads(line)["text"] for line in out.splitlines()] == [
        "please add a search box",
        "plain string line",
    ]


def test_classify_bad_stdin_is_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("{not json\n"))
    with pytest.raises(SystemExit) as exc:
        main(["classify", "--data-dir", str(tmp_path)])
    assert exc.value.code == 1
    assert "not JSON" in capsys.readouterr().err

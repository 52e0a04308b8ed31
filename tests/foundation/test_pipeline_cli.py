"""The flow from export to archive and index, through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli.app import main
from assistant.context import Context
from assistant.domain import Message
from tests.conftest import SAMPLE_WORKSPACE
from tests.foundation.exports import DAY1, ts, write_export

pytestmark = pytest.mark.model


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_json_is_only_json_and_reingest_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = write_export(tmp_path / "export", corrupt=True)
    data = tmp_path / "data"
    code, out, err = _run(["ingest", str(export), "--data-dir", str(data), "--json"], capsys)
    assert code == 0
    first = json.loads(out)
    assert first["inserted"] == 8 and first["channels"] == 2
    assert any("help/2026-01-06.json" in p for p in first["problems"])
    assert "help/2026-01-06.json" in err  # warnings go to stderr
    code, out, _ = _run(["ingest", str(export), "--data-dir", str(data), "--json"], capsys)
    second = json.loads(out)
    assert (second["inserted"], second["updated"], second["processed"]) == (0, 0, 0)


def test_errors_are_one_sentence_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["ingest", str(tmp_path / "nowhere"), "--data-dir", str(tmp_path / "d")], capsys)
    assert code == 1 and out == ""
    assert "does not exist" in err and "Traceback" not in err


def test_pipeline_indexes_conversation_and_handles_edits_and_deletes(ctx: Context, tmp_path: Path) -> None:
    ctx.pipeline.ingest_export(write_export(tmp_path / "export"))
    # 4 human messages indexed; the join, the bot message and the tombstone are not
    assert ctx.index.count_messages() == 4
    hits = ctx.index.search_messages("dark mode", k=1)
    assert hits[0].ts == ts(DAY1, 0)
    edited = ctx.archive.get_message("C100", ts(DAY1, 0)).model_copy(update={"text": "Snacks at the meetup?"})
    batch = ctx.pipeline.receive(edited)
    assert [m.key for m in batch.messages] == [edited.key]
    assert ctx.pipeline.receive(edited).messages == []  # same content again: nothing to do
    assert ctx.index.search_messages("snacks", k=1)[0].ts == ts(DAY1, 0)
    ctx.pipeline.delete("C100", ts(DAY1, 0))
    assert ctx.index.count_messages() == 3
    assert ctx.archive.get_message("C100", ts(DAY1, 0)).deleted  # kept in the archive, marked


def test_a_new_encoder_version_reindexes_stored_history(ctx: Context, tmp_path: Path) -> None:
    """Vectors from two encoders never mix: the index is emptied and the archive re-queues its messages."""
    from tests.foundation.test_encoder_index import _Renamed

    ctx.pipeline.ingest_export(write_export(tmp_path / "export"))
    assert ctx.index.count_messages() == 4
    ctx.close()
    upgraded = Context(ctx.settings, encoder=_Renamed(ctx.encoder, "minilm-ft-upgraded"), judge=ctx.judge)
    try:
        assert upgraded.index.count_messages() == 0
        assert len(upgraded.archive.unindexed()) >= 4
        upgraded.pipeline.process_pending()
        assert upgraded.index.count_messages() == 4 and not upgraded.archive.unindexed()
        assert upgraded.index.search_messages("dark mode", k=1)[0].ts == ts(DAY1, 0)
    finally:
        upgraded.close()


def test_huge_empty_and_odd_messages_are_safe(ctx: Context) -> None:
    odd = [
        Message(channel_id="C1", ts="1767603600.000001", user_id="U1", text=""),
        Message(channel_id="C1", ts="1767603601.000001", user_id="U1", text="x" * 200_000),
        Message(channel_id="C1", ts="1767603602.000001", user_id="U1", text="مرحبا 👩\u200d💻 e\u0301"),
    ]
    for m in odd:
        ctx.pipeline.receive(m)
    assert ctx.archive.count_messages() == 3
    assert ctx.index.count_messages() == 2  # the empty one is stored, not indexed
    assert len(ctx.archive.get_message("C1", "1767603601.000001").text) == 200_000


def test_demo_runs_on_the_sample_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["demo", "--data-dir", str(tmp_path / "demo"), "--json"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["source"] == str(SAMPLE_WORKSPACE)
    names = {c["name"] for c in report["channels"]}
    assert {"design", "help", "hardware", "events", "general"} <= names
    assert report["ingest"]["problems"] == []

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from assistant.errors import ExportError
from assistant.ingest import read_export
from tests.conftest import SAMPLE_WORKSPACE
from tests.foundation.exports import DAY1, DAY2, ts, write_export


def test_threads_are_rebuilt_across_day_files(tmp_path: Path) -> None:
    contents = read_export(write_export(tmp_path / "export"))
    parent = next(m for m in contents.messages if m.ts == ts(DAY1, 0))
    replies = [m for m in contents.messages if m.thread_ts == parent.ts and m.ts != parent.ts]
    assert parent.is_thread_parent
    assert [r.ts for r in replies] == [ts(DAY1, 60), ts(DAY2, 0)]  # second reply sits in the next day's file
    assert parent.reply_count == 2
    assert contents.problems == []


def test_markup_is_resolved_and_raw_text_kept(tmp_path: Path) -> None:
    contents = read_export(write_export(tmp_path / "export"))
    first = next(m for m in contents.messages if m.ts == ts(DAY1, 0))
    assert first.text == "Could we get a dark mode? @João Costa what do you think?"
    assert first.raw_text.startswith("Could we get a dark mode? <@U2>")
    reply = next(m for m in contents.messages if m.ts == ts(DAY1, 60))
    assert reply.text == "Yes please, see #help and this mock (https://example.org/dm)"
    edited = next(m for m in contents.messages if m.ts == ts(DAY2, 0))
    assert edited.text == "Agreed, let's do it next sprint & ship it." and edited.edited is not None


def test_subtypes_joins_bots_and_deletions(tmp_path: Path) -> None:
    contents = read_export(write_export(tmp_path / "export"))
    by_ts = {m.ts: m for m in contents.messages}
    assert not by_ts[ts(DAY1, 120)].is_human and by_ts[ts(DAY1, 120)].subtype == "channel_join"
    assert by_ts[ts(DAY2, 100)].bot_id == "B1" and not by_ts[ts(DAY2, 100)].is_human
    assert by_ts[ts(DAY1, 20)].deleted
    assert ("C100", "U2") in {(c, u) for c, u, _ in contents.joins}
    assert by_ts[ts(DAY1, 0)].reactions[0].name == "thumbsup"


def test_corrupt_day_file_is_named_and_the_rest_ingested(tmp_path: Path) -> None:
    contents = read_export(write_export(tmp_path / "export", corrupt=True))
    problems = [str(p) for p in contents.problems]
    assert any(p.startswith("help/2026-01-06.json: is not valid JSON") for p in problems)
    assert any(p.startswith("help/2026-01-07.json: message 0 skipped: ts") for p in problems)
    texts = {m.text for m in contents.messages}
    assert "still fine" in texts and "How do I reset the printer?" in texts


def test_zip_export_with_top_level_folder(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "My Workspace Slack export")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in folder.rglob("*"):
            zf.write(path, Path("My Workspace Slack export") / path.relative_to(folder))
    from_zip = read_export(archive)
    from_folder = read_export(folder)
    assert [m.model_dump() for m in from_zip.messages] == [m.model_dump() for m in from_folder.messages]


def test_not_an_export_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ExportError, match=r"no channels\.json"):
        read_export(tmp_path / "empty")
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(ExportError, match=r"neither a folder nor a valid \.zip"):
        read_export(tmp_path / "bad.zip")
    with pytest.raises(ExportError, match="does not exist"):
        read_export(tmp_path / "missing")


def test_missing_users_and_unlisted_folder_are_reported_not_fatal(tmp_path: Path) -> None:
    root = write_export(tmp_path / "export")
    (root / "users.json").unlink()
    shutil.copytree(root / "help", root / "random")
    contents = read_export(root)
    problems = [str(p) for p in contents.problems]
    assert any(p.startswith("users.json: is missing") for p in problems)
    assert any(p.startswith("random/: is not listed") for p in problems)
    assert any(m.channel_id == "random" for m in contents.messages)
    random = next(c for c in contents.channels if c.id == "random")
    assert random.is_private and random.members == []  # kept, but nobody sees it (it was public before)


def test_sample_workspace_reads_cleanly() -> None:
    contents = read_export(SAMPLE_WORKSPACE)
    assert contents.problems == []
    assert {c.name for c in contents.channels} >= {
        "general",
        "design",
        "help",
        "events",
        "hardware",
        "moderators",
    }
    assert len(contents.messages) > 300

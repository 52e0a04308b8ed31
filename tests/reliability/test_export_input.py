"""Issue 14, the export reader: an export is untrusted input. Nothing is lost, nothing is leaked.

Each test builds a small hostile export (folder or zip) and asserts the new outcome: the bad part is named in a
problem and skipped, everything good is kept, private conversations stay private, nothing outside the export is
read, and ``read_export`` raises nothing but ``ExportError``.
"""

from __future__ import annotations

import json
import os
import struct
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from assistant.domain import Channel, Message
from assistant.errors import ExportError
from assistant.ingest import ExportContents, read_export, slack_export
from assistant.slack.convert import message_from_payload

T0 = 1767603600  # 2026-01-05 09:00 UTC


def ts(offset: int) -> str:
    return f"{T0 + offset}.000100"


def msg(offset: int, text: str, user: str = "U1", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "user": user, "text": text, "ts": ts(offset), **extra}


CHANNELS = [{"id": "C1", "name": "general", "members": ["U1", "U2"]}]
USERS = [{"id": "U1", "name": "ana"}, {"id": "U2", "name": "ben"}, {"id": "U3", "name": "cy"}]
DMS = [{"id": "D1", "created": T0, "members": ["U1", "U2"]}]
MPIMS = [{"id": "G1", "name": "mpdm-ana--ben--cy-1", "created": T0, "members": ["U1", "U2", "U3"]}]


def build(root: Path, files: dict[str, Any], *, as_zip: bool = False) -> Path:
    """An export from ``{relative path: JSON value or raw bytes}``; a folder, or ``root``.zip."""
    base: dict[str, Any] = {"channels.json": CHANNELS, "users.json": USERS}
    base.update(files)
    blobs = {rel: v if isinstance(v, bytes) else json.dumps(v).encode() for rel, v in base.items()}
    if as_zip:
        archive = root.with_suffix(".zip")
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for rel, blob in blobs.items():
                zf.writestr(f"export/{rel}", blob)
        return archive
    for rel, blob in blobs.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(blob)
    return root


def problems(contents: ExportContents) -> list[str]:
    return [str(p) for p in contents.problems]


def texts(contents: ExportContents) -> set[str]:
    return {m.text for m in contents.messages}


GENERAL = {"general/2026-01-05.json": [msg(0, "hello all"), msg(10, "welcome")]}


def dm_export(root: Path, as_zip: bool) -> Path:
    return build(
        root,
        {
            **GENERAL,
            "dms.json": DMS,
            "mpims.json": MPIMS,
            "D1/2026-01-05.json": [msg(20, "just between us")],
            "mpdm-ana--ben--cy-1/2026-01-05.json": [msg(30, "small group secret", user="U3")],
        },
        as_zip=as_zip,
    )


# 1. Direct messages never become public ----------------------------------------------------------------------------
@pytest.mark.parametrize("as_zip", [False, True], ids=["folder", "zip"])
def test_direct_messages_are_not_read_by_default(tmp_path: Path, as_zip: bool) -> None:
    contents = read_export(dm_export(tmp_path / "export", as_zip))
    assert texts(contents) == {"hello all", "welcome"}
    assert {c.id for c in contents.channels} == {"C1"}
    assert contents.direct_messages_skipped == 2
    lines = problems(contents)
    assert any(p.startswith("dms.json: 1 direct-message conversation(s)") and "--include-dms" in p for p in lines)
    assert any(p.startswith("mpims.json: 1 group direct-message conversation(s)") for p in lines)
    assert all("ASSISTANT_INGEST_DIRECT_MESSAGES" in p for p in lines if p.startswith(("dms", "mpims")))


@pytest.mark.parametrize("as_zip", [False, True], ids=["folder", "zip"])
def test_direct_messages_on_opt_in_are_private_with_their_members(tmp_path: Path, as_zip: bool) -> None:
    contents = read_export(dm_export(tmp_path / "export", as_zip), include_direct_messages=True)
    by_id = {c.id: c for c in contents.channels}
    assert (by_id["D1"].kind, by_id["D1"].is_private, by_id["D1"].members) == ("im", True, ["U1", "U2"])
    assert (by_id["G1"].kind, by_id["G1"].is_private) == ("mpim", True)
    assert by_id["G1"].members == ["U1", "U2", "U3"] and by_id["G1"].name == "mpdm-ana--ben--cy-1"
    assert (by_id["C1"].kind, by_id["C1"].is_private) == ("channel", False)
    where = {m.text: m.channel_id for m in contents.messages}
    assert where["just between us"] == "D1" and where["small group secret"] == "G1"
    assert contents.direct_messages_skipped == 0


def test_a_folder_no_listing_names_is_private_with_no_members(tmp_path: Path) -> None:
    contents = read_export(build(tmp_path / "export", {**GENERAL, "D9/2026-01-05.json": [msg(5, "who am I")]}))
    unlisted = next(c for c in contents.channels if c.id == "D9")
    assert unlisted.is_private and unlisted.members == [] and unlisted.kind == "channel"
    assert any(
        p.startswith("D9/: is not listed") and "private channel with no members" in p for p in problems(contents)
    )
    assert "who am I" in texts(contents)


def test_a_folder_listed_both_as_channel_and_dm_stays_a_dm(tmp_path: Path) -> None:
    export = build(
        tmp_path / "export",
        {
            "channels.json": [*CHANNELS, {"id": "D1", "name": "D1"}],
            "dms.json": DMS,
            "D1/2026-01-05.json": [msg(20, "just between us")],
        },
    )
    contents = read_export(export)
    assert "just between us" not in texts(contents)
    assert all(c.id != "D1" or c.is_private for c in contents.channels)


def test_a_channel_listed_public_and_private_stays_private(tmp_path: Path) -> None:
    secret = {"id": "C2", "name": "staff", "members": ["U1"]}
    export = build(
        tmp_path / "export",
        {
            "channels.json": [*CHANNELS, secret],
            "groups.json": [secret],
            "staff/2026-01-05.json": [msg(0, "staff only")],
        },
    )
    contents = read_export(export)
    staff = next(c for c in contents.channels if c.id == "C2")
    assert staff.is_private and staff.members == ["U1"]
    assert [m.channel_id for m in contents.messages] == ["C2"]


def test_a_direct_message_channel_can_never_be_public() -> None:
    assert Channel(id="D1", name="D1", kind="im", is_private=False).is_private
    assert Channel(id="G1", name="g", kind="mpim").is_private


# 2. One bad record does not take everything down ------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad", ["nan", "NaN", "inf", "-inf", "1e300", "-1", "1767603600.0001e5", " 1767603600.1", "12"]
)
def test_an_impossible_ts_is_named_and_its_neighbours_kept(tmp_path: Path, bad: str) -> None:
    rows = [msg(0, "before"), {"type": "message", "user": "U1", "text": "bad one", "ts": bad}, msg(20, "after")]
    contents = read_export(build(tmp_path / "export", {"general/2026-01-05.json": rows}))
    assert texts(contents) == {"before", "after"}
    assert any(p.startswith("general/2026-01-05.json: message 1 skipped: ts") for p in problems(contents))
    for m in contents.messages:
        assert m.time.year == 2026  # every stored time is usable by insights


def test_an_impossible_thread_ts_is_named_and_skipped(tmp_path: Path) -> None:
    rows = [msg(0, "parent"), msg(10, "odd reply", thread_ts="inf"), msg(20, "after")]
    contents = read_export(build(tmp_path / "export", {"general/2026-01-05.json": rows}))
    assert texts(contents) == {"parent", "after"}
    assert any("message 1 skipped: thread_ts" in p for p in problems(contents))


def test_the_domain_refuses_timestamps_that_would_crash_insights() -> None:
    for bad in ("nan", "inf", "1e300", "-5", "99999999999.1"):
        with pytest.raises(ValidationError):
            Message(channel_id="C1", ts=bad)
        with pytest.raises(ValidationError):
            Message(channel_id="C1", ts=ts(0), thread_ts=bad)
    assert Message(channel_id="C1", ts=ts(0)).time.year == 2026


def test_nul_is_stripped_from_text_and_names(tmp_path: Path) -> None:
    export = build(
        tmp_path / "export",
        {
            "channels.json": [{"id": "C1", "name": "gen\u0000eral"}],
            "users.json": [{"id": "U1", "name": "a\u0000na", "profile": {"display_name": "A\u0000"}}],
            "general/2026-01-05.json": [msg(0, "he\u0000llo"), msg(10, "fine")],
        },
    )
    contents = read_export(export)
    assert "\x00" not in repr(contents.channels) + repr(contents.members)
    hello = next(m for m in contents.messages if m.ts == ts(0))
    assert hello.text == "hello" and hello.raw_text == "hello"
    assert contents.members[0].name == "ana"


def test_nul_is_stripped_from_an_edit_too(tmp_path: Path) -> None:
    change = {
        "type": "message",
        "subtype": "message_changed",
        "ts": ts(50),
        "message": {"ts": ts(0), "text": "x\u0000y"},
    }
    contents = read_export(build(tmp_path / "export", {"general/2026-01-05.json": [msg(0, "v1"), change]}))
    assert contents.messages[0].raw_text == "xy"


def test_deeply_nested_json_is_a_named_problem(tmp_path: Path) -> None:
    deep_record: Any = "x"
    for _ in range(200):
        deep_record = [deep_record]
    export = build(
        tmp_path / "export",
        {
            **GENERAL,
            "general/2026-01-06.json": b"[" * 100_000 + b"]" * 100_000,
            "general/2026-01-07.json": [msg(86400 * 2, "kept"), {"text": "deep", "edited": {"x": deep_record}}],
            "users.json": b"[" * 50_000,
        },
    )
    contents = read_export(export)
    lines = problems(contents)
    assert any(p.startswith("general/2026-01-06.json: is nested too deeply") for p in lines)
    assert any(p.startswith("general/2026-01-07.json: message 1 skipped: nested over") for p in lines)
    assert any(p.startswith("users.json:") for p in lines)
    assert texts(contents) == {"hello all", "welcome", "kept"}


def test_a_byte_order_mark_is_not_a_problem(tmp_path: Path) -> None:
    day = b"\xef\xbb\xbf" + json.dumps([msg(0, "with bom"), msg(5, "second")]).encode()
    contents = read_export(build(tmp_path / "export", {"general/2026-01-05.json": day}))
    assert texts(contents) == {"with bom", "second"}
    assert contents.problems == []


def test_one_undecodable_byte_keeps_the_days_messages(tmp_path: Path) -> None:
    day = json.dumps([msg(0, "first"), msg(5, "BAD"), msg(10, "third")]).encode().replace(b"BAD", b"B\xffD")
    contents = read_export(build(tmp_path / "export", {"general/2026-01-05.json": day}))
    assert texts(contents) == {"first", "B\ufffdD", "third"}
    assert problems(contents) == [
        "general/2026-01-05.json: had 1 undecodable byte(s) (not UTF-8), replaced with U+FFFD; the rest was read"
    ]


def test_a_duplicate_ts_keeps_the_later_copy_and_says_so(tmp_path: Path) -> None:
    export = build(
        tmp_path / "export",
        {
            "general/2026-01-05.json": [msg(0, "first version"), msg(10, "other")],
            "general/2026-01-06.json": [msg(0, "second version")],
        },
    )
    contents = read_export(export)
    assert texts(contents) == {"second version", "other"}
    assert problems(contents) == [
        f"general/2026-01-06.json: message {ts(0)} appears twice (also in general/2026-01-05.json); "
        "the later copy is kept"
    ]


def test_a_file_over_the_size_limit_is_named_and_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export = build(
        tmp_path / "export",
        {**GENERAL, "general/2026-01-06.json": [msg(86400 + i, "x" * 50) for i in range(40)]},
    )
    monkeypatch.setattr(slack_export, "MAX_FILE_BYTES", 1000)
    contents = read_export(export)
    assert any(
        p.startswith("general/2026-01-06.json: is 4,")
        and p.endswith("over the 1,000 bytes limit per file; skipped")
        for p in problems(contents)
    )
    assert texts(contents) == {"hello all", "welcome"}


def test_raw_text_is_capped_with_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slack_export, "MAX_RAW_TEXT_CHARS", 10)
    contents = read_export(build(tmp_path / "export", {"general/2026-01-05.json": [msg(0, "y" * 25)]}))
    assert contents.messages[0].raw_text == "y" * 10
    assert problems(contents) == [
        f"general/2026-01-05.json: message {ts(0)} has 25 characters; only the first 10 were kept"
    ]


def test_ids_too_long_for_the_archive_are_skipped_by_name(tmp_path: Path) -> None:
    rows = [msg(0, "ok"), msg(5, "long author", user="U" * 500)]
    contents = read_export(build(tmp_path / "export", {"general/2026-01-05.json": rows}))
    assert texts(contents) == {"ok"}
    assert any("message 1 skipped: user" in p for p in problems(contents))


# 3. An export does not reach outside itself ------------------------------------------------------------------------
def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text(json.dumps([msg(99, "secret from outside")]))
    (outside / "2026-01-05.json").write_text(json.dumps([msg(98, "another secret")]))
    export = build(tmp_path / "export", GENERAL)
    os.symlink(outside / "secret.json", export / "general" / "2026-01-06.json")
    os.symlink(outside, export / "random")
    contents = read_export(export)
    assert texts(contents) == {"hello all", "welcome"}
    lines = problems(contents)
    assert "general/2026-01-06.json: is a symbolic link; not followed" in lines
    assert "random: is a symbolic link; not followed" in lines
    assert all(c.id != "random" for c in contents.channels)


def test_a_symlinked_listing_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "users-elsewhere.json"
    outside.write_text(json.dumps(USERS))
    export = build(tmp_path / "export", GENERAL)
    (export / "users.json").unlink()
    os.symlink(outside, export / "users.json")
    contents = read_export(export)
    assert contents.members == []
    assert any(p.startswith("users.json: is a symbolic link") for p in problems(contents))


def test_a_fifo_named_like_a_day_file_does_not_hang(tmp_path: Path) -> None:
    export = build(tmp_path / "export", GENERAL)
    os.mkfifo(export / "general" / "2026-01-06.json")
    contents = read_export(export)
    assert "general/2026-01-06.json: is not a regular file; skipped" in problems(contents)
    assert texts(contents) == {"hello all", "welcome"}


def _zip_with(tmp_path: Path, entries: dict[str, bytes]) -> Path:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("channels.json", json.dumps(CHANNELS))
        zf.writestr("users.json", json.dumps(USERS))
        zf.writestr("general/2026-01-05.json", json.dumps(GENERAL["general/2026-01-05.json"]))
        for name, blob in entries.items():
            zf.writestr(name, blob)
    return archive


def test_zip_entries_reaching_outside_are_refused(tmp_path: Path) -> None:
    evil = json.dumps([msg(50, "planted")]).encode()
    archive = _zip_with(
        tmp_path,
        {"../evil.json": evil, "/abs/2026-01-05.json": evil, "general\\2026-01-06.json": evil, "./x/1.json": evil},
    )
    contents = read_export(archive)
    assert texts(contents) == {"hello all", "welcome"}
    assert {c.name for c in contents.channels} == {"general"}
    lines = problems(contents)
    for name in ("../evil.json", "/abs/2026-01-05.json", "general\\2026-01-06.json", "./x/1.json"):
        assert f"{name}: zip entry path reaches outside the export (.., ., absolute or \\); skipped" in lines


def test_a_zip_bomb_is_refused_without_unpacking_it(tmp_path: Path) -> None:
    archive = _zip_with(tmp_path, {})
    with (
        zipfile.ZipFile(archive, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open("general/2026-01-06.json", "w", force_zip64=True) as fh,
    ):
        zeros = bytes(8 * 1024 * 1024)
        for _ in range(37):  # 296 MB of zeros in a ~300 KB zip
            fh.write(zeros)
    assert archive.stat().st_size < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        contents = read_export(archive)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024
    assert any(
        p.startswith("general/2026-01-06.json: unpacks to 296 MB, over the 256 MB limit")
        for p in problems(contents)
    )
    assert texts(contents) == {"hello all", "welcome"}


def test_an_absurd_compression_ratio_is_refused(tmp_path: Path) -> None:
    archive = _zip_with(tmp_path, {"general/2026-01-06.json": b"[" + b" " * (20 * 1024 * 1024) + b"]"})
    contents = read_export(archive)
    assert any(
        "skipped as a likely zip bomb" in p for p in problems(contents) if p.startswith("general/2026-01-06")
    )
    assert texts(contents) == {"hello all", "welcome"}


def test_a_zip_lying_about_its_sizes_is_bounded(tmp_path: Path) -> None:
    """The declared size is not trusted: an entry that unpacks to more than it declares is a named problem."""
    day = json.dumps([msg(86400 + i, "z" * 40) for i in range(200)]).encode()
    archive = _zip_with(tmp_path, {"general/2026-01-06.json": day})
    blob = bytearray(archive.read_bytes())
    name = b"general/2026-01-06.json"
    central = blob.rfind(b"PK\x01\x02", 0, blob.rfind(name))  # the entry's central directory record
    struct.pack_into("<I", blob, central + 24, 100)  # declares 100 bytes uncompressed
    archive.write_bytes(bytes(blob))
    contents = read_export(archive)
    assert any(p.startswith("general/2026-01-06.json: could not be unpacked (Bad CRC") for p in problems(contents))
    assert texts(contents) == {"hello all", "welcome"}


def test_the_zip_wide_budget_stops_unpacking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    days = {f"general/2026-01-{d:02d}.json": json.dumps([msg(86400 * d, f"day {d}")]).encode() for d in (6, 7, 8)}
    archive = _zip_with(tmp_path, days)
    size = len(json.dumps(GENERAL["general/2026-01-05.json"])) + len(days["general/2026-01-06.json"])
    monkeypatch.setattr(slack_export, "MAX_TOTAL_BYTES", len(json.dumps(CHANNELS)) + len(json.dumps(USERS)) + size)
    contents = read_export(archive)
    assert texts(contents) == {"hello all", "welcome", "day 6"}
    assert any(
        p.startswith("general/2026-01-07.json: skipped: the zip already unpacked") for p in problems(contents)
    )


# 4. No traceback for any input -------------------------------------------------------------------------------------
def test_unusable_exports_are_one_sentence_errors(tmp_path: Path) -> None:
    with pytest.raises(ExportError):
        read_export(str(tmp_path / "bad\x00name"))
    only_evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(only_evil, "w") as zf:
        zf.writestr("../channels.json", "[]")
    with pytest.raises(ExportError, match=r"no channels\.json"):
        read_export(only_evil)


@pytest.mark.parametrize(
    "listing",
    [
        b"{}",
        b"null",
        b"[1, 2]",
        b'[{"id": 5}]',
        b'[{"id": "C1", "name": "general", "created": "1e999"}]',
        b"9" * 5000,
    ],
)
def test_odd_listings_are_problems_not_crashes(tmp_path: Path, listing: bytes) -> None:
    contents = read_export(
        build(tmp_path / "export", {**GENERAL, "channels.json": listing, "users.json": listing})
    )
    assert texts(contents) == {"hello all", "welcome"}


# Live events share the check ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["nan", "inf", "1e300", "-1", "", 5])
def test_the_live_converter_skips_an_impossible_ts(bad: Any) -> None:
    payload = {"type": "message", "user": "U1", "text": "hi\u0000!", "ts": ts(0)}
    assert message_from_payload({**payload, "ts": bad}, "C1") is None
    assert message_from_payload({**payload, "thread_ts": bad}, "C1") is None
    good = message_from_payload(payload, "C1")
    assert good is not None and good.text == "hi!" and good.ts == ts(0)


# The opt-in reaches the command line -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "env", "expected"), [([], None, False), (["--include-dms"], None, True), ([], "true", True)]
)
def test_ingest_command_passes_the_direct_message_opt_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], env: str | None, expected: bool
) -> None:
    from assistant.cli import foundation
    from assistant.cli.app import main

    seen: dict[str, Any] = {}

    def fake_read_export(path: Path, **kwargs: Any) -> ExportContents:
        seen.update(kwargs)
        raise ExportError("stop here, before any model loads")

    monkeypatch.setattr(foundation, "read_export", fake_read_export)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("ASSISTANT_INGEST_DIRECT_MESSAGES", raising=False)
    if env is not None:
        monkeypatch.setenv("ASSISTANT_INGEST_DIRECT_MESSAGES", env)
    with pytest.raises(SystemExit):
        main(["ingest", str(tmp_path), "--data-dir", str(tmp_path / "d"), *argv])
    assert seen["include_direct_messages"] is expected

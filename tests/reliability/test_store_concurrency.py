"""Two writers at once, on SQLite and the real PostgreSQL: no IntegrityError, no "database is locked", consistent
rows; one long writer (an ingest) at a time, said in one sentence; and writes that must never fail or leak."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError

from assistant.config import Settings
from assistant.domain import Channel, Judgment, Member, Message
from assistant.domain.judgments import MisinformationJudgment, SentimentJudgment, ToxicityJudgment, WantJudgment
from assistant.errors import AssistantError, StoreError
from assistant.moderation.models import FlagRecord, PolicyOverride
from assistant.moderation.policy import PolicyStore
from assistant.store import engine as engine_module
from assistant.store.archive import Archive, make_engine
from assistant.store.moderation import AlertRow, FlagRow, ModerationStore
from assistant.store.schema import MembershipRow, MessageRow
from tests.foundation.exports import write_export
from tests.threads import run_together

WRITERS = 4
ROUNDS = 3
BUSY = "another ingest is running on this archive"
JOINED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _messages(round_: int, writer: int) -> list[Message]:
    same = [
        Message(channel_id="C100", ts=f"17676036{i:02d}.000100", user_id="U1", text=f"shared message {i}")
        for i in range(30)
    ]
    # one message every writer edits differently: whoever commits last wins, and it is re-indexed
    contested = Message(channel_id="C200", ts="1767603600.000200", user_id="U2", text=f"edit {round_}.{writer}")
    return [*same, contested]


def _judgment() -> Judgment:
    return Judgment(
        channel_id="C100",
        ts="1767603600.000100",
        toxicity=ToxicityJudgment(score=0.9, categories={"insult": 0.8}),
        misinformation=MisinformationJudgment(score=0.1, model_score=0.1),
        sentiment=SentimentJudgment(label="negative", probs={"negative": 0.7, "neutral": 0.2, "positive": 0.1}),
        want=WantJudgment(score=0.05),
    )


def _flag() -> FlagRecord:
    return FlagRecord(
        channel_id="C100",
        ts="1767603600.000100",
        user_id="U1",
        judgment="toxicity",
        score=0.9,
        threshold=0.7,
        created_at=JOINED,
        excerpt="shared message 0",
    )


def _run_together(work: Callable[[int], Any]) -> list[Any]:
    return run_together(WRITERS, work)


def test_writers_opening_an_empty_archive_together_and_upserting_the_same_rows(
    archive_url: str, settings: Settings
) -> None:
    # every writer opens the empty database at once: one creates the schema, the others wait and find it made
    archives: list[Archive] = _run_together(lambda _i: Archive(archive_url))
    try:
        alert_id = ModerationStore(archives[0]).open_alert("C100", "U1", None, 1000.0)

        def write(i: int, round_: int) -> dict[str, Any]:
            arc = archives[i]
            arc.upsert_members([Member(id="U1", name="maria"), Member(id="U2", name=f"joao {i}")])
            arc.upsert_channels(
                [
                    Channel(id="C100", name="design", members=["U1", "U2"]),
                    Channel(id="C200", name="help", members=["U1", f"U{i + 3}"]),
                ]
            )
            arc.add_membership("C100", "U9", JOINED + timedelta(minutes=i))
            arc.upsert_messages(_messages(round_, i))
            arc.save_judgments([_judgment()])
            arc.set_state("cursor:C100", {"writer": i})
            claims = [arc.claim_once(f"event:{round_}:{k}") for k in range(10)]
            flag = ModerationStore(arc).insert(_flag())
            ModerationStore(arc).extend_alert(alert_id, 1000.0 + 10 * (i + 1))
            ModerationStore(arc).extend_alert(alert_id, 1000.0 - 10 * (i + 1))
            PolicyStore(arc, settings).save("C100", PolicyOverride(thresholds={"toxicity": 0.5 + i / 100}))
            return {"claims": claims, "flag": flag.id}

        for round_ in range(ROUNDS):
            results = _run_together(lambda i, r=round_: write(i, r))
            # each event was claimed by exactly one writer; the message has one flag, the same for all
            for k in range(10):
                assert sum(r["claims"][k] for r in results) == 1
            assert len({r["flag"] for r in results}) == 1

        arc = archives[0]
        assert arc.count_messages() == 31
        contested = arc.get_message("C200", "1767603600.000200")
        assert contested.text in {f"edit {ROUNDS - 1}.{i}" for i in range(WRITERS)}
        assert ("C100", "U9", JOINED) in arc.memberships("C100")  # the earliest join won
        assert {m for _c, m, _j in arc.memberships("C200")} == {"U1"} | {f"U{i + 3}" for i in range(WRITERS)}
        assert arc.judgment("C100", "1767603600.000100") == _judgment()
        assert arc.get_state("cursor:C100") in [{"writer": i} for i in range(WRITERS)]
        with arc.engine.connect() as conn:
            assert len(conn.execute(select(FlagRow.id)).all()) == 1
            span = conn.execute(
                select(AlertRow.first_time, AlertRow.last_time).where(AlertRow.id == alert_id)
            ).one()
            assert tuple(span) == (1000.0 - 10 * WRITERS, 1000.0 + 10 * WRITERS)
        names = {m.id: m.name for m in arc.members()}
        assert names["U1"] == "maria" and names["U2"] in {f"joao {i}" for i in range(WRITERS)} and len(names) == 2
    finally:
        for a in archives:
            a.close()


def test_writers_opening_fresh_sqlite_files_together_never_see_a_lock(tmp_path: Path) -> None:
    # switching a fresh file to WAL answers "database is locked" at once, without the busy handler, to whoever
    # asks while another connection switches it; before the retry, about 1 in 20 such openings failed
    for n in range(40):
        url = f"sqlite:///{tmp_path / f'archive{n}.sqlite3'}"
        for archive in _run_together(lambda _i, u=url: Archive(u)):
            archive.close()


def test_the_wal_switch_retries_only_a_lock_and_only_until_the_busy_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Cursor:
        def __init__(self, errors: list[str]) -> None:
            self.errors, self.calls = errors, 0

        def execute(self, _sql: str) -> None:
            self.calls += 1
            if self.errors:
                raise sqlite3.OperationalError(self.errors.pop(0))

    locked = Cursor(["database is locked", "database is locked"])
    engine_module._switch_to_wal(locked)
    assert locked.calls == 3
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        engine_module._switch_to_wal(Cursor(["disk I/O error"]))
    monkeypatch.setattr(engine_module, "_BUSY_MS", 0)  # the deadline has passed: the lock is the answer
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        engine_module._switch_to_wal(Cursor(["database is locked"] * 3))


# One writer at a time ------------------------------------------------------------------------------------------
_HOLDER = """
import sys
from assistant.store.archive import Archive
archive = Archive(sys.argv[1])
with archive.writer_lock(what="ingest"):
    print("held", flush=True)
    sys.stdin.read()
"""


@contextmanager
def _held_elsewhere(url: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the archive's writer lock until the block ends (or the test kills it)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        if proc.poll() is None:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=60)


def test_writer_lock_one_holder_at_a_time(archive_url: str) -> None:
    first, second = Archive(archive_url), Archive(archive_url)
    try:
        with first.writer_lock(what="ingest"):
            with pytest.raises(StoreError) as caught, second.writer_lock(what="ingest"):
                pass
            assert str(caught.value) == BUSY
        with second.writer_lock(what="ingest"):  # released with its holder
            pass
        with _held_elsewhere(archive_url) as holder:  # another process
            with pytest.raises(StoreError, match=f"^{BUSY}$"), first.writer_lock():
                pass
            holder.kill()  # a holder that dies (kill -9) leaves no stale lock behind
            holder.wait(timeout=60)
            deadline = time.monotonic() + 30  # PostgreSQL ends the dead session's locks once it sees it gone
            while True:
                try:
                    with first.writer_lock():
                        break
                except StoreError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
    finally:
        first.close()
        second.close()


def test_cli_ingest_while_another_runs_says_so_in_one_line(
    archive_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import foundation
    from assistant.cli.app import main

    export = write_export(tmp_path / "export")
    if archive_url.startswith("postgresql"):
        monkeypatch.setenv("DATABASE_URL", archive_url)

    def must_not_read(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the export was read (and models would load) although another ingest runs")

    monkeypatch.setattr(foundation, "read_export", must_not_read)
    holder = Archive(archive_url)  # for SQLite, the data directory's archive is tmp_path/archive.sqlite3
    try:
        with holder.writer_lock(what="ingest"), pytest.raises(SystemExit) as exited:
            main(["ingest", str(export), "--data-dir", str(tmp_path), "--json"])
    finally:
        holder.close()
    out, err = capsys.readouterr()
    assert exited.value.code == 1 and out == ""
    assert err.strip() == f"error: {BUSY}"


# Writes that never fail, errors that never leak ------------------------------------------------------------------
def test_nul_characters_never_reach_the_database(archive_url: str) -> None:
    arc = Archive(archive_url)
    try:
        arc.upsert_channels([Channel(id="C1", name="gen\x00eral", topic="to\x00pic")])
        arc.upsert_messages([Message(channel_id="C1", ts="5.000001", user_id="U1", text="hel\x00lo")])
        arc.set_state("k", {"v": "a\x00b", "list": ["c\x00"]})
        arc.upsert_messages([Message(channel_id="C1", ts="5.000001", user_id="U1", text="hel\x00lo")])
        assert arc.get_message("C1", "5.000001").text == "hello"
        assert arc.channel("C1").name == "general" and arc.channel("C1").topic == "topic"
        assert arc.get_state("k") == {"v": "ab", "list": ["c"]}
        assert arc.unindexed()[0].text == "hello"  # the same message again is unchanged, not an edit
        assert arc.upsert_messages(
            [Message(channel_id="C1", ts="5.000001", user_id="U1", text="hel\x00lo")]
        ).unchanged
    finally:
        arc.close()


def test_the_fast_nul_checks_agree_with_the_full_walk() -> None:
    import json

    from assistant.store.engine import _has_nul
    from assistant.store.sql import json_dumps, strip_nul

    values = [
        {"a": "x\x00y", "b": [1, {"c": "\x00"}]},
        {"text": "a literal \\u0000, not a NUL"},
        {"k\x00": 1},
        ["clean", {"nested": ("tuple", "ok")}],
        "plain",
    ]
    for value in values:
        assert json_dumps(value) == json.dumps(strip_nul(value))
    assert _has_nul([("a", "b"), ("c", "d\x00")]) and _has_nul({"x": [1, {"y": "\x00"}]})
    assert not _has_nul([("a", 1, None, 2.5)]) and not _has_nul({"k": None}) and not _has_nul(())


def test_sql_errors_never_carry_the_rows(archive_url: str) -> None:
    arc = Archive(archive_url)
    try:
        with pytest.raises(SQLAlchemyError) as caught, arc.engine.begin() as conn:
            conn.execute(
                insert(MessageRow), {"channel_id": "C1", "ts": "1.0", "time": None, "text": "secret words"}
            )
        assert "secret words" not in str(caught.value)
        with pytest.raises(SQLAlchemyError) as caught, arc.engine.begin() as conn:
            conn.execute(insert(MembershipRow), [{"channel_id": "C1", "user_id": "U1"}] * 2)
        assert "U1" not in str(caught.value).split("[SQL:")[1]
    finally:
        arc.close()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://assistant:s3cret-pw@db.example:54x2/archive",  # a port that is not a number
        "assistant:s3cret-pw@db.example/archive",  # no dialect at all
        "mysqlx://assistant:s3cret-pw@db.example/archive",  # a dialect SQLAlchemy does not know
    ],
)
def test_a_bad_database_url_is_one_sentence_without_the_password(url: str) -> None:
    with pytest.raises(AssistantError) as caught:
        make_engine(url)
    message = str(caught.value)
    assert "DATABASE_URL" in message and "s3cret" not in message
    assert message.count(". ") == 0 and message.endswith(".")

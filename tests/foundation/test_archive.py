"""Store round trips, run against SQLite and the real PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from assistant.domain import AuditEvent, Judgment, Member, Message, Reaction
from assistant.domain.judgments import (
    MisinformationJudgment,
    SentimentJudgment,
    ToxicityJudgment,
    WantJudgment,
)
from assistant.errors import NotFoundError
from assistant.ingest import read_export
from assistant.store import Archive
from tests.foundation.exports import DAY1, DAY2, ts, write_export


def _load(archive: Archive, tmp_path: Path) -> None:
    contents = read_export(write_export(tmp_path / "export"))
    archive.upsert_members(contents.members)
    archive.upsert_channels(contents.channels)
    archive.upsert_messages(contents.messages)


def test_round_trip_messages_threads_members(archive: Archive, tmp_path: Path) -> None:
    _load(archive, tmp_path)
    assert {c.name for c in archive.channels()} == {"design", "help"}
    assert archive.channel("#design").id == "C100" and archive.channel("C200").name == "help"
    assert archive.member_names()["U1"] == "maria"
    thread = archive.thread("C100", ts(DAY1, 0))
    assert [m.ts for m in thread.messages] == [ts(DAY1, 0), ts(DAY1, 60), ts(DAY2, 0)]
    assert thread.participants == ["U1", "U2"]
    first = archive.get_message("C100", ts(DAY1, 0))
    assert first.reactions == [Reaction(name="thumbsup", users=["U2"], count=1)]
    assert first.text.startswith("Could we get a dark mode?")
    with pytest.raises(NotFoundError):
        archive.channel("#nope")


def test_reingest_is_idempotent_and_edits_are_updates(archive: Archive, tmp_path: Path) -> None:
    contents = read_export(write_export(tmp_path / "export"))
    first = archive.upsert_messages(contents.messages)
    again = archive.upsert_messages(contents.messages)
    assert first.inserted == len(contents.messages) and first.updated == 0
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(contents.messages))
    archive.mark_indexed([(m.channel_id, m.ts) for m in contents.messages])
    edited = contents.messages[0].model_copy(update={"text": "changed text"})
    result = archive.upsert_messages([edited])
    assert result.updated == 1
    assert [m.key for m in archive.unindexed()] == [edited.key]


def test_filters_by_channel_time_author_and_conversation(archive: Archive, tmp_path: Path) -> None:
    _load(archive, tmp_path)
    day2 = datetime.fromtimestamp(DAY2, tz=UTC)
    assert {m.ts for m in archive.messages("C100", since=day2)} == {ts(DAY2, 0), ts(DAY2, 100)}
    assert {m.ts for m in archive.messages(until=day2, user_id="U2")} == {
        ts(DAY1, 60),
        ts(DAY1, 120),
        ts(DAY1, 10),
    }
    talk = archive.messages(conversation_only=True)
    assert all(m.is_human for m in talk)
    assert ts(DAY1, 20) not in {m.ts for m in talk}  # the deleted tombstone


def test_judgments_audit_state_and_dedup(archive: Archive) -> None:
    j = Judgment(
        channel_id="C1",
        ts="1.000001",
        toxicity=ToxicityJudgment(score=0.9, categories={"insult": 0.8}),
        misinformation=MisinformationJudgment(score=0.1, model_score=0.1),
        sentiment=SentimentJudgment(label="negative", probs={"negative": 0.7, "neutral": 0.2, "positive": 0.1}),
        want=WantJudgment(score=0.05),
    )
    archive.save_judgments([j])
    archive.save_judgments([j])
    assert archive.judgment("C1", "1.000001") == j
    assert archive.judgments() == {("C1", "1.000001"): j} and archive.judgments("C2") == {}
    now = datetime(2026, 11, 1, tzinfo=UTC)
    first = archive.append_audit(AuditEvent(at=now, actor="U1", action="flag", target="C1:1.000001"))
    second = archive.append_audit(AuditEvent(at=now, actor="U2", action="dismiss", reason="fine"))
    assert first.id is not None and second.id == first.id + 1
    assert [e.action for e in archive.audit()] == ["flag", "dismiss"]
    archive.set_state("cursor:C1", {"oldest": "1.0"})
    assert archive.get_state("cursor:C1") == {"oldest": "1.0"}
    assert archive.claim_once("event:Ev1") is True
    assert archive.claim_once("event:Ev1") is False


def test_membership_and_deletion_keep_data(archive: Archive) -> None:
    archive.upsert_members([Member(id="U9", name="newbie")])
    joined = datetime(2026, 10, 19, tzinfo=UTC)
    archive.add_membership("C1", "U9", joined)
    assert ("C1", "U9", joined) in archive.memberships("C1")
    archive.upsert_messages([Message(channel_id="C1", ts="5.000001", user_id="U9", text="hello")])
    assert archive.mark_deleted("C1", "5.000001")
    kept = archive.get_message("C1", "5.000001")
    assert kept.deleted and kept.text == ""  # the row and ts stay for the thread; the words go (issue 14)


def test_retention_really_deletes(archive: Archive) -> None:
    old = Message(channel_id="C1", ts="1000000000.000001", user_id="U1", text="old")
    new = Message(channel_id="C1", ts="1900000000.000001", user_id="U1", text="new")
    archive.upsert_messages([old, new])
    deleted = archive.delete_older_than(datetime(2020, 1, 1, tzinfo=UTC))
    assert deleted == [("C1", "1000000000.000001")]
    assert [m.text for m in archive.messages()] == ["new"]


def test_old_dedup_claims_are_forgotten(archive: Archive) -> None:
    from assistant.store.schema import KeyValueRow

    assert archive.claim_once("slack-event:new")
    with archive.engine.begin() as conn:
        conn.execute(
            insert(KeyValueRow),
            [
                {"key": "slack-event:old", "value": {"at": "2020-01-01T00:00:00+00:00"}},
                {"key": "cursor:C1", "value": {"at": "2020-01-01T00:00:00+00:00"}},
            ],
        )
    assert archive.forget_claims("slack-event:", datetime(2021, 1, 1, tzinfo=UTC)) == 1
    assert archive.claim_once("slack-event:old")  # forgotten, so it counts as new again
    assert not archive.claim_once("slack-event:new")
    assert archive.get_state("cursor:C1") is not None  # other state is untouched

"""Issue 14, "nothing lost, nothing leaked": retention and a member's deletion really delete.

After retention, no file under the data directory (the SQLite archive with its -wal/-shm, Chroma's
``chroma.sqlite3`` and HNSW files) holds a deleted message's words or its author's id, while kept messages stay
searchable and the audit log keeps the decisions. A member's deletion in Slack blanks the archive row and leaves no
trace in the index files. The clock is frozen; nothing waits on time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.clock import frozen_clock
from assistant.config import load_settings
from assistant.context import Context
from assistant.domain import AuditEvent, Message
from assistant.encoder import Encoder
from assistant.insights.member_profiles import STATE_KEY as PROFILES_STATE_KEY
from assistant.moderation import audit
from assistant.moderation.models import ModerationActionKind
from assistant.store import Archive
from tests.slack.doubles import KeywordJudge, MemoEncoder

# Audit events are stamped by the wall clock; a frozen "now" in the past keeps them newer than any cutoff here,
# so they are scrubbed (not swept by age) whatever day the test runs on.
NOW = datetime(2024, 3, 6, 12, 0, tzinfo=UTC)
CHANNEL = "C0RETAIN1"
MODERATOR = "UMODERAT1"
OLD_MARK, OLD_AUTHOR = "QUOKKAOLDMARK", "UOLDAUTHR9"
GONE_MARK, GONE_AUTHOR = "WOMBATGONEMARK", "UGONEAUTH7"
KEEP_MARK, KEEP_AUTHOR = "KOALAKEEPMARK", "UKEEPAUTH3"


def _ts(ago: timedelta) -> str:
    return f"{(NOW - ago).timestamp():.6f}"


def _files_holding(root: Path, *needles: str) -> dict[str, list[str]]:
    """Every file under ``root`` (recursively, -wal/-shm included) whose bytes contain one of the needles."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        hits = [n for n in needles if n.encode() in data]
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


@pytest.fixture()
def retention_ctx(tmp_path: Path, encoder: Encoder) -> Iterator[Context]:
    settings = load_settings(data_dir=tmp_path / "data", retention_days=1, moderators=MODERATOR)
    ctx = Context(settings, clock=frozen_clock(NOW), encoder=MemoEncoder(encoder), judge=KeywordJudge())
    yield ctx
    ctx.close()


def test_retention_leaves_no_trace_of_deleted_messages_in_any_file(retention_ctx: Context) -> None:
    ctx = retention_ctx
    data_dir = ctx.settings.data_dir
    old_ts, kept_ts = _ts(timedelta(days=2)), _ts(timedelta(hours=3))
    ctx.pipeline.receive(
        Message(channel_id=CHANNEL, ts=old_ts, user_id=OLD_AUTHOR, text=f"you idiot, {OLD_MARK} again")
    )
    ctx.pipeline.receive(
        Message(channel_id=CHANNEL, ts=kept_ts, user_id=KEEP_AUTHOR, text=f"the {KEEP_MARK} meetup is on friday")
    )
    flag = ctx.moderation.store.flag_for(CHANNEL, old_ts)
    assert flag is not None and flag.id is not None
    outcome = ctx.moderation.act(flag.id, ModerationActionKind.DISMISS, MODERATOR, note=f"{OLD_MARK} was a joke")
    assert outcome.ok
    assert _files_holding(data_dir, OLD_MARK, OLD_AUTHOR), "the test must start with the words on disk"
    ctx.archive.set_state(PROFILES_STATE_KEY, {"profiles": {"a-signature": None}})  # as twins keep them

    assert ctx.apply_retention() == 1
    assert ctx.archive.get_state(PROFILES_STATE_KEY) is None, "members' profiles are computed again"

    assert _files_holding(data_dir, OLD_MARK, OLD_AUTHOR) == {}
    assert ctx.archive.find_message(CHANNEL, old_ts) is None
    assert ctx.moderation.store.flag_for(CHANNEL, old_ts) is None
    # the kept message is still found, by meaning and by its words
    hits = ctx.index.search_messages(f"{KEEP_MARK} meetup friday", k=3)
    assert [h.ts for h in hits] == [kept_ts]
    assert KEEP_MARK in hits[0].text
    # the audit log keeps the decisions, without the words or the author
    events = [e for e in ctx.archive.audit() if e.target == f"flag:{flag.id}"]
    assert {e.action for e in events} == {"flag_created", "moderation_action"}
    action = next(e for e in events if e.action == "moderation_action")
    assert action.actor == MODERATOR
    assert action.details["kind"] == "dismiss" and action.details["ok"] is True
    assert action.details["status_after"] == outcome.flag.status
    created = next(e for e in events if e.action == "flag_created")
    assert created.details["scores"] and "user_id" not in created.details and "span" not in created.details
    assert all(e.details.get(audit.SCRUBBED) for e in events)

    # a second run finds nothing more to do and changes nothing
    assert ctx.apply_retention() == 0
    assert [h.ts for h in ctx.index.search_messages(KEEP_MARK, k=3)] == [kept_ts]


def test_a_members_deletion_blanks_the_archive_row_and_leaves_the_index_files(retention_ctx: Context) -> None:
    ctx = retention_ctx
    chroma_dir = ctx.settings.chroma_path
    gone_ts, kept_ts = _ts(timedelta(hours=2)), _ts(timedelta(hours=1))
    parent = Message(channel_id=CHANNEL, ts=gone_ts, user_id=GONE_AUTHOR, text=f"my {GONE_MARK} address is here")
    ctx.pipeline.receive(parent)
    ctx.pipeline.receive(
        Message(channel_id=CHANNEL, ts=kept_ts, user_id=KEEP_AUTHOR, text=f"{KEEP_MARK} thanks", thread_ts=gone_ts)
    )
    assert _files_holding(chroma_dir, GONE_MARK, GONE_AUTHOR)

    ctx.pipeline.delete(CHANNEL, gone_ts)

    assert _files_holding(chroma_dir, GONE_MARK, GONE_AUTHOR) == {}
    # nowhere in the data directory are the words (no flag quotes them); the row stays, blank, for the thread
    assert _files_holding(ctx.settings.data_dir, GONE_MARK) == {}
    row = ctx.archive.get_message(CHANNEL, gone_ts)
    assert row.deleted and row.text == "" and row.raw_text == ""
    assert ctx.archive.judgment(CHANNEL, gone_ts) is None
    assert [m.ts for m in ctx.archive.thread(CHANNEL, gone_ts).messages] == [gone_ts, kept_ts]
    assert [h.ts for h in ctx.index.search_messages(f"{KEEP_MARK} thanks", k=3)] == [kept_ts]
    # the sweep after it has nothing left to remove
    assert ctx.index.purge_log(None, vacuum=None) == 0


def test_a_deleted_and_readded_id_keeps_only_its_new_version(retention_ctx: Context) -> None:
    """The log purge removes only rows a later DELETE superseded: a message re-imported after its deletion keeps
    its new rows (and stays searchable after a sweep)."""
    ctx = retention_ctx
    ts = _ts(timedelta(hours=5))
    first = Message(channel_id=CHANNEL, ts=ts, user_id=GONE_AUTHOR, text=f"first {GONE_MARK} version")
    ctx.index.add_messages([first], ctx.encoder.encode([first.text]).vectors)
    assert ctx.index.delete_messages([first.key]) == 1
    again = first.model_copy(update={"text": f"second {KEEP_MARK} version"})
    ctx.index.add_messages([again], ctx.encoder.encode([again.text]).vectors)
    ctx.index.purge_log(None, vacuum=True)
    assert _files_holding(ctx.settings.chroma_path, GONE_MARK) == {}
    assert [h.text for h in ctx.index.search_messages(f"second {KEEP_MARK} version", k=1)] == [again.text]


def test_a_flag_keeps_its_evidence_after_a_members_deletion_until_retention(retention_ctx: Context) -> None:
    ctx = retention_ctx
    ts = _ts(timedelta(hours=30))  # past the 1-day cutoff at the second retention below
    ctx.pipeline.receive(Message(channel_id=CHANNEL, ts=ts, user_id=OLD_AUTHOR, text=f"idiot {OLD_MARK}"))
    ctx.pipeline.delete(CHANNEL, ts)
    flag = ctx.moderation.store.flag_for(CHANNEL, ts)
    assert flag is not None and flag.message_deleted and OLD_MARK in flag.excerpt  # moderators still see it
    assert ctx.archive.get_message(CHANNEL, ts).text == ""

    assert ctx.apply_retention() == 1
    assert _files_holding(ctx.settings.data_dir, OLD_MARK, OLD_AUTHOR) == {}
    assert ctx.moderation.store.flag_for(CHANNEL, ts) is None


def test_redaction_keeps_the_decision_and_drops_words_and_author() -> None:
    event = AuditEvent(
        id=7,
        at=NOW,
        actor=MODERATOR,
        action="moderation_action",
        target="flag:3",
        reason=f"Warned <@{OLD_AUTHOR}> privately",
        details={
            "kind": "warn",
            "ok": True,
            "status_before": "open",
            "status_after": "warned",
            "channel_id": CHANNEL,
            "ts": "1.0",
            "result": f"Warned <@{OLD_AUTHOR}> privately",
            "note": f"said {OLD_MARK}",
            "user_id": OLD_AUTHOR,
            "span": OLD_MARK,
            "before": {"score": 0.9, "excerpt": OLD_MARK},
        },
    )
    scrubbed = audit.redact_for_deleted_message(event)
    text = scrubbed.model_dump_json()
    assert OLD_MARK not in text and OLD_AUTHOR not in text
    assert (scrubbed.actor, scrubbed.action, scrubbed.target) == (MODERATOR, "moderation_action", "flag:3")
    assert scrubbed.details["kind"] == "warn" and scrubbed.details["status_after"] == "warned"
    assert scrubbed.details["before"] == {"score": 0.9}
    assert audit.redact_for_deleted_message(scrubbed) == scrubbed
    created = event.model_copy(update={"action": "flag_created", "reason": "toxicity 0.96 >= 0.70"})
    assert audit.redact_for_deleted_message(created).reason == "toxicity 0.96 >= 0.70"


def test_archive_blanks_scrubs_and_vacuums_on_both_backends(archive_url: str) -> None:
    archive = Archive(archive_url)
    try:
        ts = "1709700000.000100"
        archive.upsert_messages(
            [Message(channel_id=CHANNEL, ts=ts, user_id=GONE_AUTHOR, text=f"{GONE_MARK} text", raw_text=GONE_MARK)]
        )
        assert archive.blank_message(CHANNEL, ts)
        assert not archive.blank_message(CHANNEL, "1.000000")
        row = archive.get_message(CHANNEL, ts)
        assert (row.text, row.raw_text, row.deleted) == ("", "", True)
        stored = archive.append_audit(
            AuditEvent(
                at=NOW,
                actor="assistant",
                action="flag_created",
                target="flag:1",
                reason="toxicity 0.96 >= 0.70",
                details={"user_id": GONE_AUTHOR, "span": GONE_MARK, "scores": {"toxicity": 0.96}},
            )
        )
        assert audit.scrub_deleted(archive, ["flag:1", "flag:2"]) == 1
        assert audit.scrub_deleted(archive, ["flag:1"]) == 0  # idempotent
        (after,) = archive.audit_for_targets(["flag:1"])
        assert after.id == stored.id and after.reason == "toxicity 0.96 >= 0.70"
        assert after.details == {"scores": {"toxicity": 0.96}, audit.SCRUBBED: "message deleted"}
        archive.vacuum()
        assert archive.get_message(CHANNEL, ts).deleted
    finally:
        archive.close()
    if archive_url.startswith("sqlite"):  # the row keeps its author (it stays for the thread), not the words
        root = Path(archive_url.removeprefix("sqlite:///")).parent
        assert _files_holding(root, GONE_MARK) == {}


def test_reimporting_an_export_does_not_bring_a_deleted_message_back(retention_ctx: Context) -> None:
    ctx = retention_ctx
    ts = _ts(timedelta(hours=3))
    original = Message(channel_id=CHANNEL, ts=ts, user_id=GONE_AUTHOR, text=f"my {GONE_MARK} address")
    ctx.pipeline.receive(original)
    ctx.pipeline.delete(CHANNEL, ts)
    # an export taken before the deletion still holds the message, word for word
    result = ctx.archive.upsert_messages([original])
    ctx.pipeline.process_pending()
    assert result.updated == 0 and result.inserted == 0
    row = ctx.archive.get_message(CHANNEL, ts)
    assert row.deleted and row.text == ""
    assert _files_holding(ctx.settings.data_dir, GONE_MARK) == {}

"""Milestones from the aggregates (``assistant.insights.milestones_aggregates``) on SQLite and the real
PostgreSQL equal the milestones computed from every message, after ingest, edits, reactions, deletions, a member
turning out to be a bot and retention; and they read no message list."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from assistant.domain import Member, Message, Reaction
from assistant.insights.data import load_snapshot
from assistant.insights.milestones import Thresholds, milestones
from assistant.store import Archive
from tests.insights.test_aggregates import (
    CHANNELS,
    MEMBERS,
    PEOPLE,
    START,
    _judgment,
    _random_messages,
    change_one,
)

THRESHOLDS = Thresholds(
    anniversary_months=(1, 2),
    channel_members=(2, 3, 4, 5),
    channel_messages=(3, 5, 10, 15, 20, 30),
    long_open_days=0.2,
)


def assert_same_milestones(archive: Archive, first: datetime, last: datetime) -> None:
    lazy = load_snapshot(archive)
    eager = load_snapshot(archive, lazy=False)
    span = (last - first) / 6
    windows = [(first - timedelta(days=40), last + timedelta(days=40))]
    windows += [(first + span * i, first + span * (i + 1.5)) for i in range(6)]
    windows += [(first + timedelta(hours=5), first + timedelta(days=2, hours=3))]
    for start, end in windows:
        for scope in (None, {"CTHREAD", "CTWO"}, {"CFLAT"}):
            got_snap, want_snap = (lazy, eager) if scope is None else (lazy.restrict(scope), eager.restrict(scope))
            for keep in (None, ["CTHREAD"], ["CTWO", "CFLAT"]):
                got = milestones(got_snap, start, end, THRESHOLDS, channel_ids=keep)
                want = milestones(want_snap, start, end, THRESHOLDS, channel_ids=keep)
                assert [m.model_dump() for m in got] == [m.model_dump() for m in want], (start, end, scope, keep)
    assert not lazy.loaded, "milestones read no message list"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_milestones_from_the_aggregates_equal_those_from_the_messages(archive: Archive, seed: int) -> None:
    rng = random.Random(seed)
    archive.upsert_channels(CHANNELS)
    archive.upsert_members(MEMBERS)
    msgs = _random_messages(rng, 90, 0.0)
    for i in range(0, len(msgs), 15):
        batch = msgs[i : i + 15]
        archive.upsert_messages(batch)
        archive.save_judgments([_judgment(m, rng) for m in batch if rng.random() < 0.8])
    for i, uid in enumerate(PEOPLE[:3]):  # joins long before (anniversaries) and one without a date
        archive.add_membership(rng.choice(["CTHREAD", "CTWO"]), uid, START - timedelta(days=28 + 3 * i))
    archive.add_membership("CFLAT", "UEVE", None)
    first = datetime.fromtimestamp(float(msgs[0].ts), tz=UTC)
    last = datetime.fromtimestamp(float(msgs[-1].ts), tz=UTC)
    found = milestones(load_snapshot(archive, lazy=False), first - timedelta(days=40), last, THRESHOLDS)
    kinds = {m.kind for m in found}
    assert {"first_message", "first_helpful_answer", "anniversary", "channel_messages", "channel_members"} <= kinds
    assert_same_milestones(archive, first, last)
    for _ in range(8):
        change_one(archive, rng, msgs, edit="thanks, solved it", late="why?")
    assert_same_milestones(archive, first, last)
    archive.upsert_members([Member(id="UDEE", name="dee", is_bot=True), Member(id="UCY", name="cy", deleted=True)])
    assert_same_milestones(archive, first, last)
    archive.delete_older_than(datetime.fromtimestamp(float(msgs[len(msgs) // 3].ts), tz=UTC))
    assert_same_milestones(archive, first, last)


def test_a_long_open_question_solved_and_first_helpful_answers(archive: Archive) -> None:
    """A question answered days later and thanked is solved in the window of the thanks; a member's first
    helpful answer counts only when they never helped before the window (by a reaction or a later thanks)."""
    archive.upsert_channels(CHANNELS)
    archive.upsert_members(MEMBERS)
    t = START.timestamp()

    def msg(days: float, user: str, text: str, thread: float | None = None, **kw: object) -> Message:
        return Message.model_validate(
            {
                "channel_id": "CTHREAD",
                "ts": f"{t + days * 86400:.6f}",
                "user_id": user,
                "text": text,
                "thread_ts": f"{t + thread * 86400:.6f}" if thread is not None else None,
            }
            | kw
        )

    archive.upsert_messages(
        [
            msg(0, "UANA", "how do I deploy?", thread=0),
            msg(1, "UBO", "run make deploy", thread=0),
            msg(5, "UANA", "thanks, that worked", thread=0),  # Bo helped on day 1, thanked on day 5
            msg(6, "UCY", "what about staging?", thread=6),
            msg(7, "UBO", "same command", thread=6, reactions=[Reaction(name="+1", count=1)]),
            msg(7.5, "UDEE", "or ask ops", thread=6),
            msg(12, "UCY", "solved, thanks", thread=6),
        ]
    )
    lazy, eager = load_snapshot(archive), load_snapshot(archive, lazy=False)
    for start_day, end_day in ((0, 3), (3, 8), (4, 13), (6, 13), (0, 13), (10, 13)):
        start, end = START + timedelta(days=start_day), START + timedelta(days=end_day)
        got = milestones(lazy, start, end, THRESHOLDS)
        want = milestones(eager, start, end, THRESHOLDS)
        assert [m.model_dump() for m in got] == [m.model_dump() for m in want], (start_day, end_day)
    found = {m.id for m in milestones(lazy, START + timedelta(days=3), START + timedelta(days=13), THRESHOLDS)}
    assert "first_helpful_answer:UBO" not in found, "Bo's answer of day 1 was thanked on day 5"
    assert "first_helpful_answer:UDEE" in found, "thanked on day 12"
    assert any(i.startswith("solved_question:CTHREAD:") for i in found)
    assert not lazy.loaded


def test_a_digest_for_a_manager_without_memberships_covers_where_they_posted(archive: Archive) -> None:
    from assistant.insights.service import InsightsService

    archive.upsert_channels(CHANNELS)
    archive.upsert_members(MEMBERS)
    t = START.timestamp()
    archive.upsert_messages(
        [
            Message(channel_id=cid, ts=f"{t + i * 3600:.6f}", user_id=user, text=f"hello {i}")
            for i, (cid, user) in enumerate([("CTWO", "UANA"), ("CFLAT", "UBO"), ("CTHREAD", "UANA")])
        ]
    )
    service = InsightsService(archive, index=lambda: pytest.fail("a digest without wants needs no index"))
    digest = service.digest(manager_id="UANA", at=START + timedelta(days=4))
    assert [c.channel_id for c in digest.channels] == ["CTHREAD", "CTWO"]  # by name: threaded, two
    firsts = [m.id for m in digest.milestones if m.kind == "first_message"]
    assert firsts == ["first_message:UANA"], "only in the digest's channels"
    assert not service.snapshot().loaded

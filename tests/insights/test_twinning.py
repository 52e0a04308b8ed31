"""Twinning a manager can act on: shared topics are keyphrases both members wrote at least twice (never names,
mentions, stop words or emoji codes), the evidence shows the shared interest, mentoring runs from the member who
answered more about it, and pairs already talking or with an open moderation flag are skipped. On the sample
workspace, its known twin pair and mentor pair are found with those reasons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from assistant.context import Context
from assistant.domain import Channel, Member, Message
from assistant.insights.data import Snapshot
from assistant.insights.twinning import TwinPair, phrases, twins
from tests.insights.sample import BEN, CHLOE, DMITRI, KENJI, LENA, SAM, sample  # noqa: F401

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MEMBERS = {
    "UANA": Member(id="UANA", name="ana", real_name="Ana Lopes"),
    "UBO": Member(id="UBO", name="bo", real_name="Bo Chen"),
    "UCY": Member(id="UCY", name="cy", real_name="Cyrus Dmitri"),
    "UDEE": Member(id="UDEE", name="dee", real_name="Dee Park"),
}
CHANNELS = {c: Channel(id=c, name=c.lower()) for c in ("CART", "CHELP", "CMAKE")}


def _same(keys: Sequence[str]) -> dict[str, np.ndarray]:
    return {k: np.ones(4, dtype=np.float32) / 2 for k in keys}


class Builder:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.n = 0

    def say(self, channel: str, user: str, text: str, *, thread: str | None = None) -> str:
        self.n += 1
        ts = f"{(START + timedelta(hours=self.n)).timestamp():.6f}"
        self.messages.append(
            Message(channel_id=channel, ts=ts, user_id=user, text=text, raw_text=text, thread_ts=thread or None)
        )
        return ts

    def snapshot(self) -> Snapshot:
        return Snapshot(channels=CHANNELS, members=MEMBERS, joins={}, messages=list(self.messages), judgments={})


def _workspace() -> Builder:
    """Ana (mostly #cart) and Bo (mostly #cmake) both write about linocut printing; Bo answers linocut
    questions in #chelp; Cy and Dee fill the channels."""
    b = Builder()
    for text in (
        "Carved a new linocut print of the harbour :tada: with @dee watching",
        "My linocut print run smudged, the ink was too thick for the Japanese paper",
        "Hey Dmitri, cheers, thanks so much, really great stuff honestly",
        "Watercolour sketches from the market this morning",
    ):
        b.say("CART", "UANA", text)
    for text in (
        "Trying a linocut print on fabric with block printing ink",
        "Second linocut print on cotton came out crisp after a day of drying",
        "Laser cutter maintenance is done, the lens was filthy",
    ):
        b.say("CMAKE", "UBO", text)
    for n in range(2):
        q = b.say("CHELP", "UCY", f"How do I stop my block print from bleeding, attempt {n + 1}?")
        b.say(
            "CHELP",
            "UBO",
            "Use less ink on the brayer and press evenly, a linocut print needs very little.",
            thread=q,
        )
    for text in (
        "Which glue holds felt to plywood?",
        "Anyone has a spare soldering iron tip?",
        "Dmitri is a name",
    ):
        b.say("CHELP", "UCY", text)
        b.say("CART", "UDEE", text + " (asking for a friend in art)")
    return b


def test_keyphrases_drop_names_mentions_stop_words_and_emoji() -> None:
    snap = _workspace().snapshot()
    names = {"ana", "bo", "cyrus", "dmitri", "lopes", "chen", "dee", "park", "cy"}
    got = phrases(snap.plain_text(snap.messages[0]), names)
    assert "linocut print" in got and "harbour" in got
    assert not {"tada", "dee", "with"} & got
    assert phrases("Hey Dmitri, cheers, thanks so much, really great stuff", names) <= {"cheers", "stuff"}


def test_pair_shares_topics_with_evidence_and_mentoring_direction() -> None:
    pairs = twins(_workspace().snapshot(), _same, k=5)
    ana_bo = next(p for p in pairs if {p.a, p.b} == {"UANA", "UBO"})
    assert isinstance(ana_bo, TwinPair)
    assert ana_bo.shared_topics[0] == "linocut print"
    assert not {"dmitri", "bo", "ana", "tada", "thanks", "cheers"} & set(ana_bo.shared_topics)
    assert all("linocut print" in c.text.lower() for c in ana_bo.citations)
    assert ana_bo.kind == "mentor" and ana_bo.mentor == "UBO" and ana_bo.mentee == "UANA"
    assert ana_bo.answers == {"UANA": 0, "UBO": 2}
    assert "linocut print" in ana_bo.reason and "could mentor" in ana_bo.reason


def test_pairs_already_talking_or_flagged_are_skipped() -> None:
    b = _workspace()
    pairs = twins(b.snapshot(), _same, k=5)
    assert any({p.a, p.b} == {"UANA", "UBO"} for p in pairs)
    assert all("UBO" not in (p.a, p.b) for p in twins(b.snapshot(), _same, k=5, flagged={"UBO"}))
    thread = b.messages[4].ts  # Bo's first linocut message: Ana replies in its thread
    b.say("CMAKE", "UANA", "Lovely linocut print, what paper is that?", thread=thread)
    assert not any({p.a, p.b} == {"UANA", "UBO"} for p in twins(b.snapshot(), _same, k=5))


def test_remembered_phrases_follow_renamed_members() -> None:
    """A running service remembers each text's phrases only while every member's names stay the same: once a
    member is named after a topic, that word is a name and no longer a shared topic."""
    b = _workspace()
    before = twins(b.snapshot(), _same, k=5)
    assert any("linocut" in t for p in before for t in p.shared_topics)
    renamed = {**MEMBERS, "UDEE": Member(id="UDEE", name="linocut", real_name="Dee Park")}
    snap = Snapshot(channels=CHANNELS, members=renamed, joins={}, messages=list(b.messages), judgments={})
    assert not any("linocut" in t for p in twins(snap, _same, k=5) for t in p.shared_topics)
    again = twins(b.snapshot(), _same, k=5)
    assert [p.model_dump() for p in again] == [p.model_dump() for p in before]


@pytest.mark.model
def test_sample_workspace_known_twin_and_mentor_pairs(sample: Context) -> None:  # noqa: F811
    pairs = sample.insights.twins(k=10)
    by_pair = {frozenset((p.a, p.b)): p for p in pairs}
    twin = by_pair[frozenset((CHLOE, SAM))]
    assert isinstance(twin, TwinPair) and twin.kind == "twin" and twin.mentor is None
    assert set(twin.shared_topics) >= {"pen plotter", "generative art"}
    assert {twin.a_channel, twin.b_channel} == {"design", "help"}
    assert all("pen plotter" in c.text for c in twin.citations)
    assert "peers" in twin.reason
    mentor = by_pair[frozenset((KENJI, LENA))]
    assert isinstance(mentor, TwinPair) and mentor.kind == "mentor"
    assert (mentor.mentor, mentor.mentee) == (KENJI, LENA)
    assert mentor.shared_topics[0] == "resin printer" and mentor.answers[KENJI] >= 2
    assert "kenji could mentor lena" in mentor.reason
    assert all("resin printer" in c.text for c in mentor.citations)
    names = {m.name.lower() for m in sample.archive.members()} | {"members", "file", "figma"}
    for p in pairs:
        assert not names & set(p.shared_topics), p.shared_topics
        assert BEN not in (p.a, p.b) and DMITRI not in (p.a, p.b)  # open moderation flags

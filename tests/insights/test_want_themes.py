"""Stored want themes (``assistant.insights.themes``) on SQLite and the real PostgreSQL: a re-clustering stores the
themes the on-the-fly clustering finds, a new want joins its nearest theme or waits as a one-off, the next
re-clustering gathers one-offs into themes, answers read the current themes, and a deleted message leaves its theme
in the next answer. Vectors are hand-made (no encoder); the clock is pinned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import select, update

from assistant.clock import frozen_clock
from assistant.domain import Channel, Judgment, Member, Message
from assistant.domain.judgments import MisinformationJudgment, SentimentJudgment, ToxicityJudgment, WantJudgment
from assistant.insights.data import load_snapshot
from assistant.insights.models import ChannelWants
from assistant.insights.themes import WantThemes, WantThemesTimer
from assistant.insights.wants import channel_wants
from assistant.store import Archive
from assistant.store.aggregate_themes import THEMES, WANT_MEMBERS, read_channel

CID = "CWANTS"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = START + timedelta(days=10)
DIM = 8
PEOPLE = ["UANA", "UBO", "UCY"]


def _axis(i: int, noise: float = 0.0, j: int = 7) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[i] = 1.0
    v[j] += noise
    return v / np.linalg.norm(v)


class Workspace:
    """An archive with one channel of wants, and the vectors the index would hold for them."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.vectors: dict[str, np.ndarray] = {}
        self.n = 0
        archive.upsert_channels([Channel(id=CID, name="wants")])
        archive.upsert_members([Member(id=u, name=u.lower()[1:]) for u in PEOPLE])
        self.themes = WantThemes(archive, self.lookup, clock=frozen_clock(NOW))

    def lookup(self, keys: Any) -> dict[str, np.ndarray]:
        return {k: self.vectors[k] for k in keys if k in self.vectors}

    def post(self, text: str, vector: np.ndarray, *, want: bool = True, listen: bool = False) -> Message:
        """Store a judged message (as the pipeline does); ``listen``: the themes' listener sees the batch."""
        self.n += 1
        when = START + timedelta(hours=6 * self.n)
        m = Message(
            channel_id=CID, ts=f"{when.timestamp():.0f}.{self.n:06d}", user_id=PEOPLE[self.n % 3], text=text
        )
        self.archive.upsert_messages([m])
        j = Judgment(
            channel_id=CID,
            ts=m.ts,
            toxicity=ToxicityJudgment(score=0.0),
            misinformation=MisinformationJudgment(score=0.0, model_score=0.0),
            sentiment=SentimentJudgment(label="neutral", probs={"neutral": 1.0}),
            want=WantJudgment(score=0.9 if want else 0.1, is_want=want),
            model_version="test",
        )
        self.archive.save_judgments([j])
        self.vectors[m.key] = vector
        if listen:
            self.themes.handle(
                SimpleNamespace(messages=[m], vectors=np.stack([vector]), judgments=[j], removed=[])
            )
        return m

    def answer(self, *, lazy: bool = True) -> ChannelWants:
        return channel_wants(load_snapshot(self.archive, lazy=lazy), CID, self.lookup, at=NOW)


def _shape(cw: ChannelWants) -> tuple[Any, ...]:
    themes = [(t.label, t.size, tuple(t.ts), tuple(c.ts for c in t.representatives), t.trend) for t in cw.themes]
    return cw.wants, themes, [c.ts for c in cw.one_offs]


def _seed(w: Workspace) -> dict[str, Message]:
    return {
        "dark1": w.post("please add a dark mode to the dashboard", _axis(0, 0.1)),
        "dark2": w.post("dark mode for the dashboard would be great", _axis(0, 0.2)),
        "dark3": w.post("can we get dark mode at night", _axis(0, 0.15)),
        "figma1": w.post("a shared figma library for components", _axis(1, 0.1)),
        "figma2": w.post("shared figma components library please", _axis(1, 0.2)),
        "sign": w.post("we need signage on the laser cutter", _axis(2)),
        "chat": w.post("lovely weather today", _axis(3), want=False),
    }


def test_recluster_stores_what_clustering_on_the_fly_finds(archive: Archive) -> None:
    w = Workspace(archive)
    named = _seed(w)
    before = w.answer()
    with archive.engine.connect() as c:
        assert not read_channel(c, CID).built  # nothing stored yet: clustered on the fly
    assert [t.size for t in before.themes] == [3, 2] and [c.ts for c in before.one_offs] == [named["sign"].ts]
    report = w.themes.recluster()
    assert (report.channels, report.wants, report.themes, report.one_offs) == (1, 6, 2, 1)
    with archive.engine.connect() as c:
        stored = read_channel(c, CID)
        labels = sorted(r.label for r in c.execute(select(THEMES)))
    assert stored.built and len(stored.themes) == 2 and stored.members[named["sign"].ts].theme_id is None
    assert labels == sorted(t.label for t in before.themes)
    assert _shape(w.answer()) == _shape(before)  # answers read the stored themes: the same answer
    assert _shape(w.answer(lazy=False)) == _shape(before)  # an eager snapshot clusters on the fly, alike
    dark_id = stored.members[named["dark1"].ts].theme_id
    with archive.engine.begin() as c:  # the stored themes decide, not a clustering now: move a want by hand
        c.execute(update(WANT_MEMBERS).where(WANT_MEMBERS.c.ts == named["sign"].ts).values(theme_id=dark_id))
    dark = next(t for t in w.answer().themes if named["dark1"].ts in t.ts)
    assert named["sign"].ts in dark.ts and dark.size == 4 and not w.answer().one_offs


def test_a_new_want_joins_its_nearest_theme_or_waits_as_a_one_off(archive: Archive) -> None:
    w = Workspace(archive)
    named = _seed(w)
    w.themes.recluster()
    with archive.engine.connect() as c:
        figma_id = read_channel(c, CID).members[named["figma1"].ts].theme_id
        size_before = read_channel(c, CID).themes[figma_id].size
    joined = w.post("figma library with shared icons", _axis(1, 0.3), listen=True)
    alone = w.post("a first aid kit near the lathe", _axis(4), listen=True)
    ignored = w.post("nice work everyone", _axis(1), want=False, listen=True)
    with archive.engine.connect() as c:
        stored = read_channel(c, CID)
    assert stored.members[joined.ts].theme_id == figma_id
    assert stored.themes[figma_id].size == size_before + 1
    assert stored.members[alone.ts].theme_id is None
    assert ignored.ts not in stored.members
    cw = w.answer()
    figma = next(t for t in cw.themes if named["figma1"].ts in t.ts)
    assert figma.size == 3 and joined.ts in figma.ts
    assert [c.ts for c in cw.one_offs] == [named["sign"].ts, alone.ts]
    assert cw.wants == 8


def test_recluster_gathers_one_offs_into_a_theme(archive: Archive) -> None:
    w = Workspace(archive)
    _seed(w)
    w.themes.recluster()
    a = w.post("a first aid kit near the lathe", _axis(4, 0.1), listen=True)
    b = w.post("first aid kit by the lathe please", _axis(4, 0.2), listen=True)
    assert {c.ts for c in w.answer().one_offs} >= {a.ts, b.ts}  # they joined no theme: one-offs until...
    report = w.themes.recluster()
    assert report.themes == 3
    kit = next(t for t in w.answer().themes if a.ts in t.ts)
    assert kit.ts == [a.ts, b.ts] and ("aid" in kit.label or "kit" in kit.label)
    assert w.answer().themes == w.answer(lazy=False).themes  # ...the re-clustering, which clusters like on the fly


def test_a_want_judged_without_the_listener_is_placed_by_the_answer_and_by_catch_up(archive: Archive) -> None:
    w = Workspace(archive)
    named = _seed(w)
    w.themes.recluster()
    late = w.post("darker dark mode theme", _axis(0, 0.25))  # no listener ran (another process, say)
    dark = next(t for t in w.answer().themes if named["dark1"].ts in t.ts)
    assert late.ts in dark.ts  # the answer places it as the listener would, without storing it
    with archive.engine.connect() as c:
        assert late.ts not in read_channel(c, CID).members
    assert w.themes.catch_up() == 1
    with archive.engine.connect() as c:
        stored = read_channel(c, CID)
    assert stored.members[late.ts].theme_id == stored.members[named["dark1"].ts].theme_id
    assert w.themes.catch_up() == 0


def test_deleting_a_want_removes_it_from_its_theme_in_the_next_answer(archive: Archive) -> None:
    w = Workspace(archive)
    named = _seed(w)
    w.themes.recluster()
    archive.mark_deleted(CID, named["dark2"].ts)  # the row stays, blanked, its judgment gone
    dark = next(t for t in w.answer().themes if named["dark1"].ts in t.ts)
    assert named["dark2"].ts not in dark.ts and dark.size == 2
    gone = archive.get_message(CID, named["dark2"].ts)
    w.themes.handle(SimpleNamespace(messages=[], vectors=np.zeros((0, DIM)), judgments=[], removed=[gone]))
    with archive.engine.connect() as c:
        assert named["dark2"].ts not in read_channel(c, CID).members
    archive.mark_deleted(CID, named["figma2"].ts)  # a theme left with one want: that want is a one-off now
    cw = w.answer()
    assert all(named["figma1"].ts not in t.ts for t in cw.themes)
    assert named["figma1"].ts in [c.ts for c in cw.one_offs]
    assert cw.wants == 4


def test_timer_reclusters_when_due_by_the_clock_and_catches_up_between(archive: Archive) -> None:
    w = Workspace(archive)
    _seed(w)
    timer = WantThemesTimer(w.themes, interval=3600.0)
    assert w.themes.due(3600.0)
    assert timer.run_once() == 6  # never ran: re-clusters
    assert not w.themes.due(3600.0) and w.themes.last_built() == NOW.timestamp()
    late = w.post("dark mode on mobile too", _axis(0, 0.05))
    assert timer.run_once() == 1  # not due: catches up with the new want
    w.themes.clock = frozen_clock(NOW + timedelta(hours=2))
    assert w.themes.due(3600.0)
    assert timer.run_once() == 7
    with archive.engine.connect() as c:
        assert late.ts in read_channel(c, CID).members


def test_retention_drops_old_members_and_their_theme_labels(archive: Archive) -> None:
    w = Workspace(archive)
    named = _seed(w)
    w.themes.recluster()
    cutoff = datetime.fromtimestamp(float(named["dark2"].ts), tz=UTC) + timedelta(minutes=1)
    archive.delete_older_than(cutoff)
    with archive.engine.connect() as c:
        members = {r.ts for r in c.execute(select(WANT_MEMBERS))}
        labels = {r.label for r in c.execute(select(THEMES))}
    assert named["dark1"].ts not in members and named["dark2"].ts not in members
    assert None in labels  # the dark-mode theme's label (words of deleted messages) is cleared
    cw = w.answer()
    assert all(named["dark1"].ts not in t.ts for t in cw.themes)


def test_the_sample_workspace_answers_the_same_from_its_stored_themes(ws: Any, named: dict) -> None:
    """The known #design answer (``test_wants``) holds once its themes are stored; the rows are removed after."""
    from sqlalchemy import delete

    from tests.insights.workspace import NOW as SAMPLE_NOW

    before = [_shape(w) for w in ws.insights.wants(at=SAMPLE_NOW)]
    try:
        report = ws.insights.want_themes.recluster(at=SAMPLE_NOW)
        assert report.themes >= 2
        [design] = ws.insights.wants("design", at=SAMPLE_NOW)
        assert [t.label for t in design.themes][:1] == ["dark mode"]
        dark = design.themes[0]
        assert dark.size == 4 and dark.members == ["U1", "U2"] and dark.trend == "rising"
        assert named["dark_similar"].ts not in dark.ts
        assert "figma" in design.themes[1].label and design.themes[1].size == 2
        assert [c.ts for c in design.one_offs] == [named["signage"].ts]
        assert [_shape(w) for w in ws.insights.wants(at=SAMPLE_NOW)] == before
    finally:
        with ws.archive.engine.begin() as c:
            c.execute(delete(WANT_MEMBERS))
            c.execute(delete(THEMES))
        ws.archive.forget_state("insights:want_themes")

"""Members: recognition, going quiet, unanswered newcomers, and twinning suggestions with reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assistant.context import Context
from assistant.insights.contributors import _streaks
from tests.insights.workspace import DESIGN, HARDWARE, NOW


def test_quiet_members_are_regulars_now_silent(ws: Context) -> None:
    quiet = ws.insights.quiet_members(at=NOW)
    assert [q.user_id for q in quiet] == ["U4"]
    q = quiet[0]
    assert q.active_weeks_before == 7 and q.messages_before == 7
    assert q.silent_weeks >= 3
    assert q.last_message is not None and q.last_message.channel == "hardware"
    # With a longer silence required, nobody qualifies; earlier in time, U4 was still active.
    assert ws.insights.quiet_members(at=NOW, quiet_weeks=6) == []
    assert ws.insights.quiet_members(at=datetime(2026, 2, 18, tzinfo=UTC)) == []


def test_unanswered_newcomers(ws: Context) -> None:
    newcomers = ws.insights.unanswered_newcomers(at=NOW)
    assert [n.user_id for n in newcomers] == ["U5"]
    assert newcomers[0].channel_id == DESIGN and not newcomers[0].answered
    assert "style guide" in newcomers[0].first_message.text
    # U7 (hardware) is a newcomer too, but was answered; scoped to hardware nobody is waiting.
    assert ws.insights.unanswered_newcomers("hardware", at=NOW) == []
    assert ws.insights.unanswered_newcomers(at=NOW, visible_channel_ids={HARDWARE}) == []


def test_top_contributors_counts_and_helpful_replies(ws: Context) -> None:
    top = ws.insights.top_contributors(at=NOW, k=10)
    by_id = {c.user_id: c for c in top}
    assert "UBOT" not in by_id
    ana = by_id["U1"]
    assert ana.messages == 9 and ana.reactions_received == 3
    assert ana.replies_to_others == 2 and ana.helpful_replies == 1  # the reacted reply in U3's thread
    cai = by_id["U3"]
    assert cai.active_weeks == 11 and cai.longest_streak_weeks == 11
    assert top[0].score >= top[-1].score
    assert all(c.citations for c in top)


def test_streaks() -> None:
    assert _streaks({1, 2, 3, 7, 8}, now_week=8) == (3, 2)
    assert _streaks({1, 2, 3, 7, 8}, now_week=9) == (3, 2)  # last week still counts as current
    assert _streaks({1, 2}, now_week=10) == (2, 0)


def test_twins_cross_channels_with_shared_topics_as_reason(ws: Context) -> None:
    twins = ws.insights.twins()
    assert twins, "the resin-printing pair should be suggested"
    first = twins[0]
    assert {first.a, first.b} == {"U2", "U4"}
    assert first.a_channel != first.b_channel
    assert any("resin" in t for t in first.shared_topics)
    assert "resin" in first.reason and "#design" in first.reason and "#hardware" in first.reason
    assert len(first.citations) == 2 and all("resin" in c.text.lower() for c in first.citations)


def test_twins_never_pair_members_of_the_same_main_channel(ws: Context) -> None:
    snap = ws.insights.snapshot()
    from assistant.insights.members import home_channels

    home = home_channels(snap)
    for t in ws.insights.twins(k=10):
        assert home[t.a] != home[t.b]
    assert ws.insights.twins(visible_channel_ids={DESIGN}) == []


def test_quiet_window_boundary() -> None:
    assert timedelta(weeks=3) < NOW - datetime(2026, 2, 16, tzinfo=UTC)

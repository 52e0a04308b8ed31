"""Every engagement metric on the hand-built workspace, with values worked out by hand in ``workspace.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.context import Context
from assistant.domain import Channel, Member, Message
from assistant.insights.data import Snapshot
from assistant.insights.metrics import compute_metrics, mood_of
from assistant.insights.periods import last, to_date
from tests.insights.workspace import DESIGN, NOW, SECRET


def test_channel_week_metrics_match_hand_computed_values(ws: Context) -> None:
    m = ws.insights.channel_metrics("#design", "week", at=NOW)
    assert m.start == datetime(2026, 3, 16, tzinfo=UTC)
    assert m.messages == 7
    assert m.active_members == 4
    assert m.members == 5
    assert m.participation_rate == pytest.approx(0.8)
    assert m.new_members == ["U5"]
    assert (m.new_members_first_replied, m.new_members_first_unanswered) == (0, 1)
    assert (m.top_level_messages, m.replied_messages) == (4, 2)
    assert m.reply_rate == pytest.approx(0.5)
    assert m.median_first_reply_minutes == pytest.approx(25.0)
    assert m.reactions_per_message == pytest.approx(3 / 7, abs=1e-3)
    assert (m.threads, m.mean_thread_depth, m.max_thread_depth) == (2, 1.5, 2)
    s = m.sentiment
    assert s.judged == 7
    assert (s.positive, s.neutral, s.negative) == pytest.approx((3 / 7, 3 / 7, 1 / 7), abs=1e-3)
    assert s.mood == "neutral"  # 3 positive vs 1 negative is too few to call a lean (sign test p = 0.63)


def test_trend_compares_same_elapsed_span_of_previous_period(ws: Context) -> None:
    m = ws.insights.channel_metrics("design", "week", at=NOW)
    assert m.previous is not None
    assert m.previous.start == datetime(2026, 3, 9, tzinfo=UTC)
    assert m.previous.end <= datetime(2026, 3, 13, 12, 0, 1, tzinfo=UTC)
    assert (m.previous.messages, m.previous.active_members) == (3, 2)  # the Saturday message is excluded
    assert m.trend["messages_pct"] == pytest.approx(4 / 3, abs=1e-3)
    assert m.trend["active_members_pct"] == pytest.approx(1.0)
    assert m.trend["reply_rate"] == pytest.approx(0.0)


def test_month_and_day_periods(ws: Context) -> None:
    month = ws.insights.channel_metrics("design", "month", at=NOW)
    assert month.start == datetime(2026, 3, 1, tzinfo=UTC)
    assert month.messages == 11  # 3 previous-window + 1 Saturday + 7 this week
    day = ws.insights.channel_metrics("design", "day", at=datetime(2026, 3, 16, 23, tzinfo=UTC))
    assert day.messages == 3 and day.reply_rate == 1.0 and day.median_first_reply_minutes == 30.0


def test_default_now_is_newest_message_not_wall_clock(ws: Context) -> None:
    m = ws.insights.channel_metrics("design", "week")
    newest = ws.insights.snapshot().newest
    assert newest is not None and m.end - timedelta(microseconds=1) == newest


def test_workspace_metrics_and_visibility(ws: Context) -> None:
    everything = ws.insights.workspace_metrics("month", at=NOW)
    visible = ws.insights.workspace_metrics("month", at=NOW, visible_channel_ids={DESIGN})
    assert everything.channel_name == "workspace"
    assert everything.messages == visible.messages + 5 + 1  # + hardware in March + the secret message
    assert visible.messages == 11
    with pytest.raises(Exception, match="No channel"):
        ws.insights.channel_metrics(SECRET, "week", at=NOW, visible_channel_ids={DESIGN})


def test_bots_and_system_messages_are_not_counted(ws: Context) -> None:
    m = ws.insights.channel_metrics("hardware", "month", at=NOW)
    assert m.messages == 5  # u7 question, u3 answer, u3 weekly check (03-03, 03-10, 03-17); bots excluded
    assert "UBOT" not in ws.insights.snapshot().channel_members("C0HARDW2")


def test_mood_words() -> None:
    assert mood_of(14, 4, 31) == "positive"  # clear lean, significant
    assert mood_of(1, 14, 19) == "negative"
    assert mood_of(7, 0, 9) == "positive"
    assert mood_of(5, 5, 18) == "mixed"  # both sides common, no lean
    assert mood_of(2, 5, 11) == "neutral"  # a few negatives among 11 messages are not a negative channel
    assert mood_of(300, 280, 1000) == "mixed"  # significant with many messages, but no real margin
    assert mood_of(0, 0, 0) == "unknown"


def test_periods() -> None:
    at = datetime(2026, 3, 31, 18, tzinfo=UTC)
    assert to_date("month", at).start == datetime(2026, 3, 1, tzinfo=UTC)
    prev = to_date("month", at).previous()  # February is shorter than the 30 days of March gone: all of it
    assert prev.start == datetime(2026, 2, 1, tzinfo=UTC) and prev.end == datetime(2026, 3, 1, tzinfo=UTC)
    assert last("week", at).start == datetime(2026, 3, 23, tzinfo=UTC)


def _flat(channel: str, user: str, when: datetime, text: str) -> Message:
    return Message(channel_id=channel, ts=f"{when.timestamp():.6f}", user_id=user, text=text)


def test_flat_channel_reply_detection_without_threads() -> None:
    t0 = datetime(2016, 5, 2, 10, tzinfo=UTC)
    msgs = [
        _flat("C9", "A", t0, "anyone tried d3 v4?"),
        _flat("C9", "B", t0 + timedelta(minutes=10), "yes, the modules are nice"),
        _flat("C9", "A", t0 + timedelta(hours=3), "meetup slides are up"),
        _flat("C9", "C", t0 + timedelta(hours=5), "thanks @amy for the slides"),
    ]
    snap = Snapshot(
        channels={"C9": Channel(id="C9", name="general")},
        members={"A": Member(id="A", name="amy"), "B": Member(id="B", name="bo"), "C": Member(id="C", name="cy")},
        joins={},
        messages=msgs,
        judgments={},
    )
    m = compute_metrics(snap, "C9", to_date("week", t0 + timedelta(hours=6)))
    # 1st answered by B within 30 min; 2nd (B) answered by A? no: A's next message is 3h later -> unanswered;
    # 3rd answered by an @mention within a day; 4th unanswered.
    assert (m.top_level_messages, m.replied_messages) == (4, 2)
    assert m.median_first_reply_minutes == pytest.approx((10 + 120) / 2)
    assert m.new_members == ["A", "B", "C"]  # no join records: first message in the window


def test_the_sign_test_is_scipys_binomial_test() -> None:
    """``mood_of``'s sign test, written without SciPy (a second of start-up), gives SciPy's p-values."""
    from scipy.stats import binomtest

    from assistant.insights.metrics import sign_test

    cases = [(k, n) for n in range(1, 60) for k in range(n + 1)]
    cases += [(n // 2 - d, n) for n in (999, 1000, 60_001) for d in (0, 1, 2, 30, 90, 400)]
    cases += [(3, 100_000), (49_000, 100_000), (0, 1)]
    for k, n in cases:
        assert sign_test(k, n) == pytest.approx(binomtest(k, n, 0.5).pvalue, rel=1e-8, abs=1e-300), (k, n)

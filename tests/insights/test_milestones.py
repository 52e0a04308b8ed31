"""Milestones: anniversaries, first messages and first helpful answers, channels crossing counts, long-open
questions solved; thresholds from settings; on the sample workspace, November's known milestones."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from assistant.config import load_settings
from assistant.context import Context
from assistant.domain import Channel, Member, Message, Reaction
from assistant.insights.data import Snapshot
from assistant.insights.milestones import Thresholds, add_months, milestones
from assistant.insights.periods import to_date
from tests.conftest import SAMPLE_WORKSPACE
from tests.insights.sample import sample  # noqa: F401

ANSWERS = json.loads((SAMPLE_WORKSPACE.parent / "sample_workspace_answers.json").read_text())
JAN = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
MEMBERS = {u: Member(id=u, name=u.lower()) for u in ("UANA", "UBO", "UCY", "UDEE")}
CHANNELS = {"CHELP": Channel(id="CHELP", name="help"), "CART": Channel(id="CART", name="art")}


def _msg(
    channel: str, user: str, when: datetime, text: str, *, thread: str | None = None, **kw: object
) -> Message:
    return Message.model_validate(
        {
            "channel_id": channel,
            "ts": f"{when.timestamp():.6f}",
            "user_id": user,
            "text": text,
            "thread_ts": thread,
        }
        | kw
    )


def _snapshot() -> Snapshot:
    ana_q = JAN
    msgs = [
        _msg("CHELP", "UANA", ana_q, "How do I reset the kiln controller?", thread=f"{ana_q.timestamp():.6f}"),
        _msg("CART", "UBO", JAN + timedelta(days=1), "Hello everyone, new here"),
        _msg("CART", "UCY", JAN + timedelta(days=2), "Morning all"),
    ]
    # Bo answers Ana's question five days later; Ana thanks: a long-open question solved, and Bo's first helpful
    # answer. Dee's first message is in March.
    msgs.append(
        _msg("CHELP", "UBO", ana_q + timedelta(days=5), "Hold both buttons for ten seconds.", thread=msgs[0].ts)
    )
    msgs.append(
        _msg("CHELP", "UANA", ana_q + timedelta(days=5, hours=2), "That worked, thanks!", thread=msgs[0].ts)
    )
    msgs.append(
        _msg(
            "CART",
            "UCY",
            JAN + timedelta(days=40),
            "Try the softer pencils",
            thread=msgs[1].ts,
            reactions=[Reaction(name="heart", users=["UBO"], count=1)],
        )
    )
    for n in range(6):
        msgs.append(_msg("CART", "UBO", datetime(2026, 3, 2, tzinfo=UTC) + timedelta(hours=n), f"sketch {n}"))
    msgs.append(_msg("CART", "UDEE", datetime(2026, 3, 3, tzinfo=UTC), "First post!"))
    return Snapshot(channels=CHANNELS, members=MEMBERS, joins={}, messages=msgs, judgments={})


def test_every_kind_in_its_window() -> None:
    snap = _snapshot()
    t = Thresholds(anniversary_months=(1, 2), channel_messages=(5, 8), channel_members=(3,), long_open_days=3)
    january = milestones(snap, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC), t)
    kinds = [(m.kind, m.user_id or m.channel_name) for m in january]
    assert ("first_message", "UANA") in kinds and ("first_message", "UBO") in kinds
    assert ("first_helpful_answer", "UBO") in kinds and ("solved_question", "UBO") in kinds
    solved = next(m for m in january if m.kind == "solved_question")
    assert solved.count == 5 and solved.post_thread_ts == snap.messages[0].ts and "<@UBO>" in solved.suggestion
    february = milestones(snap, datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC), t)
    assert {(m.kind, m.user_id, m.count) for m in february if m.kind == "anniversary"} == {
        ("anniversary", "UANA", 1),
        ("anniversary", "UBO", 1),
        ("anniversary", "UCY", 1),
    }
    assert [m.user_id for m in february if m.kind == "first_helpful_answer"] == ["UCY"]  # a reaction counts
    march = milestones(snap, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC), t)
    crossed = {(m.kind, m.channel_name, m.count) for m in march if m.kind.startswith("channel_")}
    assert crossed == {
        ("channel_messages", "art", 5),
        ("channel_messages", "art", 8),
        ("channel_members", "art", 3),
    }
    assert [m.user_id for m in march if m.kind == "first_message"] == ["UDEE"]
    assert all(m.suggestion and m.post_channel for m in january + february + march)
    # A question answered within the long-open threshold is not a milestone.
    quick = Thresholds(long_open_days=6)
    assert not [m for m in milestones(snap, JAN, JAN + timedelta(days=20), quick) if m.kind == "solved_question"]


def test_thresholds_come_from_settings() -> None:
    settings = load_settings(
        milestone_anniversary_months="2,1", milestone_channel_messages="7", milestone_long_open_days=10
    )
    t = Thresholds.from_settings(settings)
    assert t.anniversary_months == (1, 2) and t.channel_messages == (7,) and t.long_open_days == 10.0
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)


@pytest.mark.model
def test_sample_workspace_november_milestones(sample: Context) -> None:  # noqa: F811
    snap = sample.insights.snapshot()
    november = to_date("month", snap.now(None))
    found = milestones(snap, november.start, november.end, Thresholds.from_settings(sample.settings))
    known = ANSWERS["milestones_november"]
    assert [(m.kind, m.user_id) for m in found] == [(k["kind"], k["user"]) for k in known]
    anniversary, solved = found
    assert anniversary.count == known[0]["months"] and "one month" in anniversary.title
    assert (solved.channel_id, solved.post_thread_ts) == (known[1]["channel"], known[1]["thread_ts"])
    assert solved.title == "joao solved olu's question in #help, open for 3 days"
    assert "<@U05BXN81TR>" in solved.suggestion

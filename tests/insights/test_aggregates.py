"""The incremental aggregates (``assistant.store.aggregates``) on SQLite and the real PostgreSQL: after every
ingest, edit, deletion, judgment, reaction, member change and retention sweep they equal a recomputation from
scratch, and the answers read from them equal the answers computed from the messages themselves."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from assistant.domain import Channel, Judgment, Member, Message
from assistant.domain.judgments import MisinformationJudgment, SentimentJudgment, ToxicityJudgment, WantJudgment
from assistant.domain.workspace import Reaction
from assistant.insights import members as members_mod
from assistant.insights.data import load_snapshot
from assistant.insights.metrics import compute_metrics
from assistant.insights.periods import last, rolling, to_date
from assistant.insights.wants import want_messages
from assistant.store import Archive
from assistant.store.aggregate_tables import LONG_MESSAGE_CHARS, THANKS
from assistant.store.aggregates import CHANNEL_DAYS, FACTS, MEMBER_CHANNELS, MEMBER_DAYS, MESSAGES, rebuild

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
CHANNELS = [
    Channel(id="CTHREAD", name="threaded"),
    Channel(id="CFLAT", name="flat"),
    Channel(id="CTWO", name="two"),
]
PEOPLE = ["UANA", "UBO", "UCY", "UDEE", "UEVE"]
MEMBERS = [Member(id=u, name=u.lower()[1:]) for u in PEOPLE] + [Member(id="UBOT", name="bot", is_bot=True)]


def _dump(archive: Archive) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with archive.engine.connect() as c:
        for table in (FACTS, CHANNEL_DAYS, MEMBER_DAYS, MEMBER_CHANNELS):
            rows = []
            for r in c.execute(select(table)):
                rows.append(
                    tuple(
                        sorted(v) if isinstance(v, list) else round(v, 6) if isinstance(v, float) else v for v in r
                    )
                )
            out[table.name] = sorted(rows, key=repr)
    return out


def assert_fresh(archive: Archive) -> None:
    """The incremental tables equal a rebuild from the messages (rolled back, so the check changes nothing)."""
    kept = _dump(archive)
    with archive.engine.connect() as c:
        tx = c.begin()
        rebuild(c)
        fresh = {}
        for table in (FACTS, CHANNEL_DAYS, MEMBER_DAYS, MEMBER_CHANNELS):
            rows = [
                tuple(sorted(v) if isinstance(v, list) else round(v, 6) if isinstance(v, float) else v for v in r)
                for r in c.execute(select(table))
            ]
            fresh[table.name] = sorted(rows, key=repr)
        tx.rollback()
    for name in kept:
        assert kept[name] == fresh[name], name
    assert_totals(archive)


def assert_totals(archive: Archive) -> None:
    """Each member's stored totals per channel and per day (migration 0007) are their facts counted: messages,
    long messages (by their text), reactions, thread replies, replies to others (in a conversation thread parent's
    thread, someone else's) and helpful ones (a reaction, or the parent's author thanked later); each fact's
    thread, flags and (for a parent) its author's last thanks are its message's."""
    with archive.engine.connect() as c:
        facts = {(r.channel_id, r.ts): r for r in c.execute(select(FACTS))}
        rows = c.execute(select(MESSAGES.c.channel_id, MESSAGES.c.ts, MESSAGES.c.thread_ts, MESSAGES.c.text))
        messages = {(r.channel_id, r.ts): r for r in rows if (r.channel_id, r.ts) in facts}
        names = ("messages", "long_messages", "reactions", "replies", "to_others", "helpful")
        stored = {
            (r.channel_id, r.user_id): [getattr(r, n) for n in names] for r in c.execute(select(MEMBER_CHANNELS))
        }
        days = {
            (r.channel_id, r.user_id, r.day): [getattr(r, n) for n in names]
            for r in c.execute(select(MEMBER_DAYS))
        }
    thanks: dict[tuple[str, str], list[float]] = {}
    for key, f in facts.items():
        msg = messages[key]
        assert f.thread_ts == (msg.thread_ts if msg.thread_ts not in (None, msg.ts) else None)
        parent = facts.get((f.channel_id, f.thread_ts or ""))
        if (
            parent is not None
            and parent.thread_ts is None
            and parent.user_id == f.user_id
            and THANKS.search(msg.text)
        ):
            thanks.setdefault((f.channel_id, parent.ts), []).append(f.time)
    assert {k: f.thanked_at for k, f in facts.items() if f.thanked_at is not None} == {
        k: max(v) for k, v in thanks.items()
    }
    counted: dict[tuple[str, str], list[int]] = {}
    per_day: dict[tuple[str, str, int], list[int]] = {}
    for key, f in facts.items():
        parent = facts.get((f.channel_id, f.thread_ts or ""))
        to_other = bool(
            parent is not None
            and parent.thread_ts is None
            and messages[(parent.channel_id, parent.ts)].thread_ts == parent.ts
            and parent.user_id != f.user_id
        )
        later = thanks.get((f.channel_id, f.thread_ts or ""), [])
        helpful = to_other and (f.reactions > 0 or any(t > f.time for t in later))
        assert (f.to_other, f.helpful) == (to_other, helpful), key
        long = len(messages[key].text) >= LONG_MESSAGE_CHARS
        add = [1, int(long), f.reactions, int(not f.top_level), int(to_other), int(helpful)]
        for totals in (
            counted.setdefault((f.channel_id, f.user_id), [0] * 6),
            per_day.setdefault((f.channel_id, f.user_id, f.day), [0] * 6),
        ):
            totals[:] = [a + b for a, b in zip(totals, add, strict=True)]
    assert stored == counted
    assert days == per_day


def assert_same_answers(archive: Archive, now: datetime) -> None:
    """Metrics, quiet members, contributors, newcomers and want messages from the aggregates equal those computed
    from the loaded messages."""
    lazy = load_snapshot(archive)
    eager = load_snapshot(archive, lazy=False)
    assert lazy.newest == eager.newest
    for window in (rolling(3, now), rolling(1, now), to_date("week", now), last("week", now), rolling(10, now)):
        for cid in [None, *(c.id for c in CHANNELS)]:
            got = compute_metrics(lazy, cid, window).model_dump()
            want = compute_metrics(eager, cid, window).model_dump()
            assert got == want, (cid, window.label)
    for weeks in (1, 2):
        got_q = members_mod.quiet_members(lazy, at=now, quiet_weeks=weeks, lookback_weeks=3, min_active_weeks=1)
        want_q = members_mod.quiet_members(eager, at=now, quiet_weeks=weeks, lookback_weeks=3, min_active_weeks=1)
        assert [q.model_dump() for q in got_q] == [q.model_dump() for q in want_q]
    for scope in [None, *(c.id for c in CHANNELS)]:  # contributors and newcomers, the whole archive or a channel
        got_snap, want_snap = (lazy, eager) if scope is None else (lazy.restrict({scope}), eager.restrict({scope}))
        for at in (now, now - timedelta(days=1, hours=5)):
            for since in (None, at - timedelta(days=2), at - timedelta(hours=7)):
                got_c = members_mod.top_contributors(got_snap, since=since, at=at, k=10)
                want_c = members_mod.top_contributors(want_snap, since=since, at=at, k=10)
                assert [c.model_dump() for c in got_c] == [c.model_dump() for c in want_c], (scope, at, since)
            for days, answered in ((1, False), (3, True), (60, False), (60, True)):
                got_n = members_mod.unanswered_newcomers(
                    got_snap, at=at, newcomer_days=days, include_answered=answered
                )
                want_n = members_mod.unanswered_newcomers(
                    want_snap, at=at, newcomer_days=days, include_answered=answered
                )
                assert [n.model_dump() for n in got_n] == [n.model_dump() for n in want_n], (scope, at, days)
    for cid in (c.id for c in CHANNELS):  # wants found by SQL equal those found in the loaded messages
        for threshold in (0.5, 0.8):
            got_w = [m.model_dump() for m in want_messages(lazy, cid, threshold)]
            assert got_w == [m.model_dump() for m in want_messages(eager, cid, threshold)], (cid, threshold)
    assert not lazy.loaded, "the answers above read no message list"


def _judgment(m: Message, rng: random.Random) -> Judgment:
    neg = rng.random() * 0.7
    pos = rng.random() * (1 - neg)
    probs = {"negative": neg, "positive": pos, "neutral": 1 - neg - pos}
    return Judgment(
        channel_id=m.channel_id,
        ts=m.ts,
        toxicity=ToxicityJudgment(score=0.0),
        misinformation=MisinformationJudgment(score=0.0, model_score=0.0),
        sentiment=SentimentJudgment(label=max(probs, key=lambda k: probs[k]), probs=probs),
        want=WantJudgment(score=rng.random(), is_want=rng.random() < 0.3),  # a want by flag, score, or both
        model_version="test",
    )


def _random_messages(rng: random.Random, n: int, offset: float) -> list[Message]:
    out: list[Message] = []
    parents: dict[str, list[str]] = {"CTHREAD": [], "CTWO": []}
    t = START.timestamp() + offset
    for _ in range(n):
        t += rng.choice([60.0, 600.0, 1700.0, 3 * 3600.0, 20 * 3600.0])
        cid = rng.choice(["CTHREAD", "CFLAT", "CTWO"])
        user = rng.choice([*PEOPLE, "UBOT"])
        ts = f"{t:.6f}"
        text = rng.choice(["hello", "any idea @ana?", "thanks @bo", "works now", "", "see @cy and @dee"])
        thread_ts = None
        if cid != "CFLAT" and parents[cid] and rng.random() < 0.4:
            thread_ts = rng.choice(parents[cid][-4:])
        elif cid != "CFLAT" and rng.random() < 0.3:
            parents[cid].append(ts)
            thread_ts = ts
        reactions = [Reaction(name="+1", count=rng.randint(1, 3))] if rng.random() < 0.3 else []
        out.append(
            Message(
                channel_id=cid,
                ts=ts,
                user_id=user,
                text=text or "ok",
                raw_text=text,
                thread_ts=thread_ts,
                reactions=reactions,
                subtype="channel_join" if rng.random() < 0.05 else None,
            )
        )
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_aggregates_equal_a_recomputation_after_every_change(archive: Archive, seed: int) -> None:
    rng = random.Random(seed)
    archive.upsert_channels(CHANNELS)
    archive.upsert_members(MEMBERS)
    msgs = _random_messages(rng, 70, 0.0)
    for i in range(0, len(msgs), 9):  # ingest in batches, judged afterwards like the pipeline
        batch = msgs[i : i + 9]
        archive.upsert_messages(batch)
        assert_fresh(archive)
        archive.save_judgments([_judgment(m, rng) for m in batch if rng.random() < 0.8])
    assert_fresh(archive)
    now = datetime.fromtimestamp(float(msgs[-1].ts), tz=UTC)
    assert_same_answers(archive, now)
    for _ in range(6):  # edits, reactions, deletions, a late old message, a member turning out to be a bot
        change_one(archive, rng, msgs, edit="edited @eve", late="late")
        assert_fresh(archive)
    archive.upsert_members([Member(id="UDEE", name="dee", is_bot=True), Member(id="UNEW", name="ana")])
    assert_fresh(archive)
    assert_same_answers(archive, now)
    cutoff = datetime.fromtimestamp(float(msgs[len(msgs) // 2].ts) + 1000, tz=UTC)
    archive.delete_older_than(cutoff)
    assert_fresh(archive)
    assert_same_answers(archive, now)


def change_one(archive: Archive, rng: random.Random, msgs: list[Message], *, edit: str, late: str) -> None:
    """One random change to one of ``msgs``: an edit to ``edit``, new reactions, a deletion, or a late reply
    ``late`` by Eve in its thread (what every write path must keep the aggregates right through)."""
    m = rng.choice(msgs)
    action = rng.choice(["edit", "react", "delete", "late"])
    if action == "edit":
        archive.upsert_messages([m.model_copy(update={"text": edit, "raw_text": edit.split()[0]})])
    elif action == "react":
        archive.set_reactions(m.channel_id, m.ts, [Reaction(name="tada", count=rng.randint(1, 4))])
    elif action == "delete":
        archive.blank_message(m.channel_id, m.ts)
    else:
        t = float(m.ts) + 30
        late_reply = Message(
            channel_id=m.channel_id, ts=f"{t:.6f}", user_id="UEVE", text=late, thread_ts=m.thread_ts
        )
        archive.upsert_messages([late_reply])


def test_a_channel_gaining_its_first_thread_reply_is_recomputed_whole(archive: Archive) -> None:
    archive.upsert_channels(CHANNELS)
    archive.upsert_members(MEMBERS)
    t = START.timestamp()
    flat = [
        Message(channel_id="CFLAT", ts=f"{t + i * 600:.6f}", user_id=PEOPLE[i % 2], text=f"m{i}") for i in range(5)
    ]
    archive.upsert_messages(flat)
    first = compute_metrics(load_snapshot(archive), "CFLAT", rolling(7, START + timedelta(days=1)))
    assert first.replied_messages == 4  # flat chat: the next person within 30 minutes replied
    later = f"{t + 5 * 86400:.6f}"
    archive.upsert_messages(
        [Message(channel_id="CFLAT", ts=later, user_id="UCY", text="in a thread", thread_ts=flat[0].ts)]
    )
    assert_fresh(archive)
    again = compute_metrics(load_snapshot(archive), "CFLAT", rolling(7, START + timedelta(days=1)))
    assert again.replied_messages == 1  # threaded now: only the thread reply counts
    archive.blank_message("CFLAT", later)
    assert_fresh(archive)


def test_ask_delete_ask_shows_the_deletion_at_once(archive: Archive) -> None:
    from assistant.insights.service import InsightsService

    archive.upsert_channels(CHANNELS)
    archive.upsert_members(MEMBERS)
    t = START.timestamp()
    msgs = [
        Message(channel_id="CTWO", ts=f"{t + i * 3600:.6f}", user_id=PEOPLE[i % 3], text=f"hello {i}")
        for i in range(4)
    ]
    archive.upsert_messages(msgs)
    service = InsightsService(archive, index=lambda: pytest.fail("metrics never need the index"))
    at = START + timedelta(hours=5)
    assert service.channel_metrics("two", "week", at=at).messages == 4
    archive.blank_message("CTWO", msgs[1].ts)
    after = service.channel_metrics("two", "week", at=at)
    assert after.messages == 3 and after.active_members == 2
    archive.upsert_messages([msgs[2].model_copy(update={"text": "", "raw_text": ""})])  # edited to nothing
    assert service.channel_metrics("two", "week", at=at).messages == 2


def test_contributors_and_newcomers_from_the_aggregates_count_thanks_and_joins(archive: Archive) -> None:
    """A reply the asker thanked later (no reaction) is helpful, a newcomer who joined long ago is none, and an
    answered first message is answered: the same from the aggregates as from the messages."""
    archive.upsert_channels(CHANNELS)
    archive.upsert_members(MEMBERS)
    t = START.timestamp()

    def msg(dt: float, user: str, text: str, thread: float | None = None, cid: str = "CTHREAD") -> Message:
        ts = f"{t + dt:.6f}"
        return Message(
            channel_id=cid,
            ts=ts,
            user_id=user,
            text=text,
            thread_ts=f"{t + thread:.6f}" if thread is not None else None,
        )

    archive.upsert_messages(
        [
            msg(0, "UANA", "how do I deploy?", thread=0),
            msg(60, "UBO", "run make deploy", thread=0),
            msg(120, "UCY", "or ask ops", thread=0),
            msg(180, "UANA", "thanks, works now", thread=0),
            msg(3600, "UDEE", "hello everyone", cid="CTWO"),
            msg(7200, "UEVE", "hi there", cid="CFLAT"),
            msg(7300, "UCY", "welcome!", cid="CFLAT"),
        ]
    )
    archive.add_membership("CTWO", "UDEE", START - timedelta(days=90))
    now = START + timedelta(hours=3)
    lazy, eager = load_snapshot(archive), load_snapshot(archive, lazy=False)
    got = members_mod.top_contributors(lazy, at=now, k=10)
    assert [c.model_dump() for c in got] == [
        c.model_dump() for c in members_mod.top_contributors(eager, at=now, k=10)
    ]
    helpful = {c.user_id: c.helpful_replies for c in got}
    assert helpful["UBO"] == 1 and helpful["UCY"] == 1, "both replied before the asker's thanks"
    for answered in (False, True):
        got_n = members_mod.unanswered_newcomers(lazy, at=now, newcomer_days=7, include_answered=answered)
        want_n = members_mod.unanswered_newcomers(eager, at=now, newcomer_days=7, include_answered=answered)
        assert [n.model_dump() for n in got_n] == [n.model_dump() for n in want_n]
        assert "UDEE" not in {n.user_id for n in got_n}, "joined three months ago"
    assert not lazy.loaded

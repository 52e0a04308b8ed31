"""Twins from the aggregates (``assistant.store.aggregate_members``) on SQLite and the real PostgreSQL equal the
twins found in every loaded message, with the member and message caps, flagged members, mentions, thread replies
and channel restrictions; and they load no message list."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from assistant.domain import Channel, Member, Message, Reaction
from assistant.insights.data import load_snapshot
from assistant.insights.twinning import twins
from assistant.store import Archive

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANNELS = [Channel(id=f"C{n}", name=n) for n in ("art", "make", "help", "garden")]
PEOPLE = [f"U{i:02d}" for i in range(14)]
MEMBERS = [Member(id=u, name=f"m{u[1:]}", display_name=f"person{u[1:]}") for u in PEOPLE] + [
    Member(id="UBOT", name="helper", is_bot=True)
]
TOPICS = ["linocut print", "block ink", "laser cutter", "sourdough starter", "tomato seedlings", "kiln firing"]
FILLER = ["tonight", "really", "again", "with friends", "at home", "after work"]


def _messages(rng: random.Random, n: int) -> tuple[list[Message], dict[str, np.ndarray]]:
    out: list[Message] = []
    vectors: dict[str, np.ndarray] = {}
    parents: dict[str, list[str]] = {c.id: [] for c in CHANNELS}
    t = START.timestamp()
    for i in range(n):
        t += rng.choice([30.0, 600.0, 3600.0])
        user = rng.choice([*PEOPLE[: len(PEOPLE) // 2] * 3, *PEOPLE, "UBOT"])
        home = CHANNELS[PEOPLE.index(user) % len(CHANNELS)].id if user in PEOPLE else "Cart"
        cid = home if rng.random() < 0.7 else rng.choice(CHANNELS).id
        topic = TOPICS[(PEOPLE.index(user) if user in PEOPLE else 0) % 3 + rng.choice([0, 0, 3])]
        text = f"the {topic} {rng.choice(FILLER)}"
        if rng.random() < 0.1:
            text = "ok"  # too short to compare
        elif rng.random() < 0.08:
            text += f" cc @person{rng.randrange(len(PEOPLE)):02d}"
        elif rng.random() < 0.05:
            text += f" <@{rng.choice(PEOPLE)}>"
        ts = f"{t:.6f}"
        thread = None
        if parents[cid] and rng.random() < 0.3:
            thread = rng.choice(parents[cid][-5:])
            if rng.random() < 0.5:
                text = f"how about the {topic}?"
        elif rng.random() < 0.3:
            parents[cid].append(ts)
            thread = ts
        reactions = [Reaction(name="+1", count=1)] if rng.random() < 0.2 else []
        m = Message(
            channel_id=cid, ts=ts, user_id=user, text=text, raw_text=text, thread_ts=thread, reactions=reactions
        )
        out.append(m)
        base = np.zeros(len(TOPICS), dtype=np.float32)
        base[TOPICS.index(topic)] = 1.0
        base += np.float32(0.3) * np.asarray([rng.random() for _ in TOPICS], dtype=np.float32)
        vectors[m.key] = base / np.linalg.norm(base)
        if i % 50 == 0:
            out.append(m.model_copy(update={"ts": f"{t + 1:.6f}", "subtype": "channel_join", "text": "joined"}))
    return out, vectors


@pytest.mark.parametrize("seed", [1, 2])
def test_twins_from_the_aggregates_equal_those_from_the_messages(archive: Archive, seed: int) -> None:
    rng = random.Random(seed)
    archive.upsert_channels(CHANNELS)
    archive.upsert_members(MEMBERS)
    msgs, stored = _messages(rng, 400)
    archive.upsert_messages(msgs)

    def vectors(keys: Sequence[str]) -> dict[str, np.ndarray]:
        return {k: stored[k] for k in keys if k in stored}

    def check() -> int:
        lazy, eager = load_snapshot(archive), load_snapshot(archive, lazy=False)
        pairs = 0
        for scope in (None, {"Cart", "Cmake", "Chelp"}):
            got_snap, want_snap = (lazy, eager) if scope is None else (lazy.restrict(scope), eager.restrict(scope))
            for params in (
                {},
                {"max_members": 6, "max_messages_per_member": 12},
                {"max_messages_per_member": 5, "min_messages": 4, "min_similarity": 0.0},
                {"flagged": {PEOPLE[0], PEOPLE[3]}, "k": 8, "min_similarity": 0.0},
            ):
                got = twins(got_snap, vectors, **params)  # type: ignore[arg-type]
                want = twins(want_snap, vectors, **params)  # type: ignore[arg-type]
                assert [p.model_dump() for p in got] == [p.model_dump() for p in want], (scope, params)
                pairs += len(got)
        assert not lazy.loaded, "twins read no message list"
        return pairs

    assert check() > 0, "the workspace has pairs to find"
    archive.blank_message(msgs[3].channel_id, msgs[3].ts)
    archive.upsert_messages([msgs[5].model_copy(update={"text": "edited, mentioning @person02 now"})])
    archive.upsert_members([Member(id=PEOPLE[1], name="m01", is_bot=True)])
    check()
    archive.delete_older_than(datetime.fromtimestamp(float(msgs[150].ts), tz=UTC) + timedelta(seconds=1))
    check()

"""Members' profiles kept in the archive (issue 13): twins read back the profiles of members whose latest messages
did not change, on SQLite and the real PostgreSQL, and compute again exactly those whose did (a new message, an
edit, a deletion), or all of them under another encoder; the twins found are the same as without them."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from assistant.domain import Message
from assistant.insights.data import load_snapshot
from assistant.insights.member_profiles import STATE_KEY, MemberProfiles, mean_profiles
from assistant.insights.twinning import _Members, twins
from assistant.store import Archive
from tests.insights.test_aggregate_twins import CHANNELS, MEMBERS, PEOPLE, _messages


class _Lookup:
    """The index's stored vectors, counting which keys each call asked for."""

    def __init__(self, stored: dict[str, np.ndarray]) -> None:
        self.stored = stored
        self.asked: list[set[str]] = []

    def __call__(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        self.asked.append(set(keys))
        return {k: self.stored[k] for k in keys if k in self.stored}


def _latest(archive: Archive) -> tuple[list[str], dict[str, Sequence[Message]]]:
    found = _Members(load_snapshot(archive), set(), 3, 150, 200)
    return found.users, dict(found.latest)  # type: ignore[arg-type]


def _setup(archive: Archive, seed: int = 1) -> tuple[list[Message], dict[str, np.ndarray]]:
    archive.upsert_channels(CHANNELS)
    archive.upsert_members(MEMBERS)
    msgs, stored = _messages(random.Random(seed), 400)
    archive.upsert_messages(msgs)
    return msgs, stored


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert set(a) == set(b)
    for u in a:
        np.testing.assert_allclose(a[u], b[u], rtol=0, atol=1e-6)


def test_unchanged_members_are_read_back_and_changed_ones_computed_again(archive: Archive) -> None:
    msgs, stored = _setup(archive)
    lookup = _Lookup(stored)
    profiles = MemberProfiles(archive, lookup, "encoder-a")
    users, latest = _latest(archive)
    first = profiles(users, latest, 3)
    _same(first, mean_profiles(users, latest, lookup, 3))
    assert archive.get_state(STATE_KEY)

    lookup.asked.clear()
    _same(profiles(users, latest, 3), first)
    assert lookup.asked == [], "nothing changed: no vector read"

    # one member writes, another edits, a third's message is deleted
    writer, editor = PEOPLE[0], PEOPLE[1]
    last = max(float(m.ts) for m in msgs)
    new = Message(channel_id="Cart", ts=f"{last + 60:.6f}", user_id=writer, text="the linocut print at the fair")
    stored[new.key] = stored[next(m.key for m in msgs if m.user_id == writer and m.key in stored)]
    edited = next(m for m in reversed(msgs) if m.user_id == editor and len(m.text) >= 20)
    archive.upsert_messages([new, edited.model_copy(update={"text": edited.text + " (edited, longer now)"})])
    gone = next(m for m in reversed(msgs) if m.user_id == PEOPLE[2] and len(m.text) >= 20)
    archive.blank_message(gone.channel_id, gone.ts)
    users, latest = _latest(archive)
    lookup.asked.clear()
    again = profiles(users, latest, 3)
    _same(again, mean_profiles(users, latest, _Lookup(stored), 3))
    [asked] = lookup.asked
    changed = {writer, editor, PEOPLE[2]}
    assert asked == {m.key for u in users if u in changed for m in latest[u]}, "exactly the changed members"

    # another encoder: every profile computed again
    lookup.asked.clear()
    MemberProfiles(archive, lookup, "encoder-b")(users, latest, 3)
    assert lookup.asked[0] == {m.key for u in users for m in latest[u]}


def test_a_member_with_a_message_not_yet_indexed_is_computed_each_time(archive: Archive) -> None:
    _msgs, stored = _setup(archive, seed=2)
    users, latest = _latest(archive)
    member = users[0]
    missing = latest[member][-1].key
    partial = {k: v for k, v in stored.items() if k != missing}
    lookup = _Lookup(partial)
    profiles = MemberProfiles(archive, lookup, "enc")
    profiles(users, latest, 3)
    lookup.asked.clear()
    profiles(users, latest, 3)
    assert lookup.asked == [{m.key for m in latest[member]}]  # the rest were complete, so kept
    lookup.stored = stored  # indexed now: its vector counts
    _same(profiles(users, latest, 3), mean_profiles(users, latest, _Lookup(stored), 3))


def test_twins_with_kept_profiles_equal_twins_computed_from_the_index(archive: Archive) -> None:
    msgs, stored = _setup(archive, seed=1)
    lookup = _Lookup(stored)
    snap = load_snapshot(archive)
    want = [p.model_dump() for p in twins(snap, lookup)]
    assert want, "the workspace has pairs to find"
    for _ in range(2):  # computed and kept, then read back
        got = twins(snap, lookup, profiles=MemberProfiles(archive, lookup, "enc"))
        assert [p.model_dump() for p in got] == want
    archive.delete_older_than(datetime.fromtimestamp(float(msgs[150].ts), tz=UTC) + timedelta(seconds=1))
    snap = load_snapshot(archive)
    got = twins(snap, lookup, profiles=MemberProfiles(archive, lookup, "enc"))
    assert [p.model_dump() for p in got] == [p.model_dump() for p in twins(snap, lookup)]

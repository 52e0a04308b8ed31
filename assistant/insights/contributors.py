"""Who to recognise: members ranked by messages, helpful replies and reactions received, with their weekly streaks
(``top_contributors``; ``assistant.insights.members`` re-exports it).

A reply is *helpful* when it answers someone else's thread and got a reaction, or the thread's author thanked
afterwards. Over a lazy snapshot the ranking comes from the aggregates, reading only the members who can rank.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from assistant.domain import Message
from assistant.insights.data import Snapshot
from assistant.insights.models import Contributor
from assistant.insights.periods import week_index
from assistant.store.aggregate_tables import (
    THANKS,  # what a thread's author writes when a reply helped
    chunks,
)

__all__ = ["CANDIDATES_READ", "THANKS", "helpful", "top_contributors"]


def _streaks(weeks: set[int], now_week: int) -> tuple[int, int]:
    """(longest run of consecutive active weeks, current run ending this week or last week)."""
    longest = run = 0
    prev = None
    for w in sorted(weeks):
        run = run + 1 if prev is not None and w == prev + 1 else 1
        longest = max(longest, run)
        prev = w
    current = 0
    w = now_week if now_week in weeks else now_week - 1
    while w in weeks:
        current += 1
        w -= 1
    return longest, current


def top_contributors(
    snap: Snapshot, *, since: datetime | None = None, at: datetime | None = None, k: int = 5
) -> list[Contributor]:
    """Members ranked by messages + 3 x helpful replies + reactions received.

    A reply is *helpful* when it answers someone else's thread and got a reaction, or the thread's author
    thanked afterwards ("thanks", "solved", "works now").
    """
    now = snap.now(at)
    if snap.aggregates is not None:
        return _contributors_from_aggregates(snap, since, now, k)
    msgs = snap.in_window(since, now + timedelta(microseconds=1))
    parents = {(m.channel_id, m.ts): m for m in snap.messages if m.is_thread_parent}
    thread_msgs: dict[tuple[str, str], list[Message]] = defaultdict(list)
    for m in snap.messages:
        if m.is_reply and m.thread_ts:
            thread_msgs[(m.channel_id, m.thread_ts)].append(m)
    stats: dict[str, Counter[str]] = defaultdict(Counter)
    weeks: dict[str, set[int]] = defaultdict(set)
    best: dict[str, tuple[int, Message]] = {}
    for m in msgs:
        if not m.user_id:
            continue
        s = stats[m.user_id]
        s["messages"] += 1
        s["reactions"] += m.reaction_count
        weeks[m.user_id].add(week_index(m.time))
        parent = parents.get((m.channel_id, m.thread_ts)) if m.is_reply and m.thread_ts else None
        if parent is not None and parent.user_id != m.user_id:
            s["replies"] += 1
        helped = helpful(m, parents, thread_msgs)
        if helped:
            s["helpful"] += 1
        weight = m.reaction_count + (3 if helped else 0)
        if m.user_id not in best or weight > best[m.user_id][0]:
            best[m.user_id] = (weight, m)
    now_week = week_index(now)
    out = []
    for uid, s in stats.items():
        if snap.members.get(uid) is not None and snap.members[uid].is_bot:
            continue
        score = s["messages"] + 3 * s["helpful"] + s["reactions"]
        cited = best[uid][1] if uid in best else None
        out.append(_contributor(snap, uid, s, weeks[uid], now_week, float(score), cited))
    out.sort(key=lambda c: (-c.score, -c.messages, c.name))
    return out[:k]


def _contributors_from_aggregates(
    snap: Snapshot, since: datetime | None, now: datetime, k: int
) -> list[Contributor]:
    """``top_contributors`` from the aggregates: messages and active weeks from the member days, reactions summed
    by the database, replies to others counted and the helpful ones found by the database (a reaction, or the
    asker's later thanks: the parent fact's ``thanked_at``), and only the top ``k`` members' best messages read.
    Over the whole history, every count is a stored per-member total (``member_channels``, with the facts'
    ``to_other`` and ``helpful``): only the top ``k`` members' weeks and best messages are read. Members are taken
    in the order of their first message in the window, as the scan over the messages meets them (ties in the
    ranking keep that order). Replies, thanks, reactions and member days are read only for the members who can
    rank (``_candidates``)."""
    assert snap.aggregates is not None
    agg = snap.aggregates
    ids = list(snap.channels)
    start = since.timestamp() if since is not None else None
    end = (now + timedelta(microseconds=1)).timestamp()
    firsts = agg.first_in_window(ids, start, end)
    if not firsts:
        return []
    totals = agg.member_totals(ids, start, end)
    chosen = _candidates(snap, firsts, totals, k)
    users = sorted(chosen) if len(chosen) <= CANDIDATES_READ else None
    stats: dict[str, Counter[str]] = defaultdict(Counter)
    weeks: dict[str, set[int]] = defaultdict(set)

    week_of: dict[int, int] = {}  # a top member has a row per channel and day: each day's week found once

    def active(uid: str, day: int) -> None:
        week = week_of.get(day)
        if week is None:
            week = week_of[day] = week_index(datetime.fromtimestamp(day * 86400, tz=UTC))
        weeks[uid].add(week)

    def read_days(who: list[str] | None) -> None:
        """Messages and active weeks from the member days."""
        for span in agg.member_spans(ids, start, end, users=who):
            stats[span.user_id]["messages"] += span.messages
            active(span.user_id, span.day)

    whole = agg.whole_history(start, end)  # the stored totals: only the top k's weeks and best messages are read
    if not whole:
        read_days(users)
    for uid, (messages, reactions, _) in totals.items():
        if whole:
            stats[uid]["messages"] += messages
        stats[uid]["reactions"] += reactions
    # the best message: the most reactions plus 3 when helpful, the earliest among equals (the first message)
    best: dict[str, tuple[int, tuple[float, str, str]]] = {uid: (0, mark) for uid, mark in firsts.items()}

    def consider(uid: str, weight: int, mark: tuple[float, str, str]) -> None:
        held = best.get(uid)
        if held is None or weight > held[0] or (weight == held[0] and mark < held[1]):
            best[uid] = (weight, mark)

    if whole:
        for uid, (n, helped_n) in agg.reply_totals(ids, users).items():
            stats[uid]["replies"] += n
            stats[uid]["helpful"] += helped_n
    else:
        replies, helped = agg.helpful_replies(ids, start, end, users=users)
        for uid, n in replies.items():
            stats[uid]["replies"] += n
        helpful_keys: set[tuple[str, str]] = set()
        for uid, time, cid, ts, reactions in helped:
            stats[uid]["helpful"] += 1
            helpful_keys.add((cid, ts))
            consider(uid, reactions + 3, (time, cid, ts))
        for uid, time, cid, ts, reactions in agg.reacted(ids, start, end, users=users):
            if (cid, ts) not in helpful_keys:
                consider(uid, reactions, (time, cid, ts))
    ranked = []
    order = sorted(firsts, key=lambda u: firsts[u])
    for uid in order:
        if uid not in chosen:
            continue
        s = stats[uid]
        ranked.append((float(s["messages"] + 3 * s["helpful"] + s["reactions"]), uid))
    ranked.sort(key=lambda r: (-r[0], -stats[r[1]]["messages"], snap.member_name(r[1])))
    if whole:
        # only the days the top k were active (distinct), not a row per channel too
        for chunk in chunks(sorted(uid for _, uid in ranked[:k])):
            for uid, day in agg.active_days(ids, start, end, chunk):
                active(uid, day)
    now_week = week_index(now)
    out = []
    for score, uid in ranked[:k]:
        s = stats[uid]
        if whole and (found := agg.best_message(ids, uid)) is not None:
            consider(uid, *found)
        _, (_, cid, ts) = best[uid]
        out.append(_contributor(snap, uid, s, weeks[uid], now_week, score, snap.find(cid, ts)))
    return out


#: Up to this many candidates, only their replies, reactions and member days are read; more, and everyone's.
CANDIDATES_READ = 500


def _candidates(
    snap: Snapshot, firsts: Mapping[str, object], totals: Mapping[str, tuple[int, int, int]], k: int
) -> set[str]:
    """The members (not bots) who may rank in the top ``k``: a member's score (messages + 3 x helpful replies +
    reactions) is at least messages + reactions and at most that plus 3 x their thread replies (a helpful reply is
    one), so whoever's most is below the ``k``-th best least cannot rank. Over the whole history this is a few
    members, so the replies, thanks and reactions read are theirs, not every member's (identical ranking)."""
    humans = [u for u in firsts if not ((m := snap.members.get(u)) is not None and m.is_bot)]
    least = {u: totals.get(u, (0, 0, 0))[0] + totals.get(u, (0, 0, 0))[1] for u in humans}
    if len(humans) <= k:
        return set(humans)
    floor = sorted(least.values(), reverse=True)[k - 1] if k > 0 else float("inf")
    return {u for u in humans if least[u] + 3 * totals.get(u, (0, 0, 0))[2] >= floor}


def _contributor(
    snap: Snapshot,
    uid: str,
    stats: Mapping[str, int],
    weeks: set[int],
    now_week: int,
    score: float,
    cited: Message | None,
) -> Contributor:
    """One contributor as answers show them (the snapshot and the aggregates paths alike)."""
    longest, current = _streaks(weeks, now_week)
    return Contributor(
        user_id=uid,
        name=snap.member_name(uid),
        messages=stats["messages"],
        replies_to_others=stats["replies"],
        helpful_replies=stats["helpful"],
        reactions_received=stats["reactions"],
        active_weeks=len(weeks),
        longest_streak_weeks=longest,
        current_streak_weeks=current,
        score=score,
        citations=[snap.cite(cited)] if cited is not None else [],
    )


def helpful(
    m: Message, parents: dict[tuple[str, str], Message], replies: dict[tuple[str, str], list[Message]]
) -> bool:
    """Whether ``m`` answered someone else's thread and got a reaction, or the thread's author thanked later
    (``parents``: the top-level messages by (channel, ts); ``replies``: each thread's replies)."""
    if not (m.is_reply and m.thread_ts and m.user_id):
        return False
    parent = parents.get((m.channel_id, m.thread_ts))
    if parent is None or parent.user_id == m.user_id:
        return False
    if m.reaction_count > 0:
        return True
    return any(
        r.user_id == parent.user_id and r.time > m.time and THANKS.search(r.text)
        for r in replies[(m.channel_id, m.thread_ts)]
    )

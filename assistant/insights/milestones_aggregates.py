"""``milestones`` from the aggregates (issue 13): the same milestones as reading every message, from O(window)
rows and per-member or per-channel aggregate rows.

- first messages: each member's first message in each channel (``member_channels``), the earliest of them;
- first helpful answers: the window's replies, in the threads that got a reply in the window (read whole up to
  the window's end), minus members who already answered helpfully before the window (their earlier replies);
- anniversaries: first messages and joins as above; a home channel (``member_days`` counts) only for members
  with an anniversary in the window;
- channel crossings: message counts before the window from ``channel_days``, the window's message times from
  ``message_facts``, and member arrivals from ``member_channels`` and joins;
- long-open questions solved: a question is solved at one of its thread's replies, so only threads with a reply in
  the window can be solved in it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from assistant.domain import Message
from assistant.domain.workspace import ts_to_datetime
from assistant.insights.contributors import THANKS, helpful
from assistant.insights.data import Snapshot
from assistant.insights.milestones import (
    Thresholds,
    _crossings,
    _in,
    _solved,
    _thread_replies,
    anniversaries,
    anniversary_months,
    channel_count,
    first_helpful_answer,
    first_message,
)
from assistant.insights.models import Milestone


def from_aggregates(
    snap: Snapshot, start: datetime, end: datetime, t: Thresholds, keep: set[str] | None
) -> list[Milestone]:
    agg = snap.stored
    assert agg is not None
    ids = list(snap.channels)
    s, e = start.timestamp(), end.timestamp()
    people = {
        key: (float(ts), ts) for key, (_, ts) in agg.posters(ids, e).items() if not snap.is_bot(key[1])
    }  # (channel, member) -> their first message there before the window's end
    out: list[Milestone] = []
    # first messages
    first: dict[str, tuple[float, str, str]] = {}
    for (cid, uid), (time, ts) in people.items():
        mark = (time, cid, ts)
        if uid not in first or mark < first[uid]:
            first[uid] = mark
    for uid, (_, cid, ts) in first.items():
        if (keep is not None and cid not in keep) or not _in(ts_to_datetime(ts), start, end):
            continue
        m = snap.find(cid, ts)
        if m is not None:
            out.append(first_message(snap, uid, m))
    # first helpful answers, and long-open questions solved
    threads = [m for m in agg.threads_replied(ids, s, e) if m.user_id and not snap.is_bot(m.user_id)]
    parents = {(m.channel_id, m.ts): m for m in threads if not m.is_reply}
    replies = _thread_replies(threads)
    helped: dict[str, Message] = {}
    for m in threads:
        if m.user_id and m.user_id not in helped and _in(m.time, start, end) and helpful(m, parents, replies):
            helped[m.user_id] = m
    earlier = agg.helped_before(helped, ids, s, e, THANKS)
    for uid, m in helped.items():
        if uid not in earlier and (keep is None or m.channel_id in keep):
            out.append(first_helpful_answer(snap, uid, m))
    out += _solved(snap, threads, start, end, t, keep)
    # anniversaries
    began: dict[str, datetime] = {uid: ts_to_datetime(ts) for uid, (_, _, ts) in first.items()}
    for (_cid, uid), joined in snap.joins.items():
        if joined is not None and not snap.is_bot(uid) and (uid not in began or joined < began[uid]):
            began[uid] = joined
    steps = sorted(set(t.anniversary_months))
    due: dict[str, list[int]] = {}
    for uid, since in began.items():
        member = snap.members.get(uid)
        if member is not None and member.deleted:
            continue
        months = anniversary_months(since, steps, start, end)
        if months:
            due[uid] = months
    home = agg.home_channels(ids, due) if due else {}
    for uid, months in due.items():
        where = home.get(uid)
        if where is None or (keep is not None and where not in keep):
            continue
        out += anniversaries(snap, uid, began[uid], where, months)
    # channels crossing message and member counts
    before = agg.message_counts_before(ids, s)
    times = agg.message_times(ids, s, e)
    arrivals: dict[str, dict[str, float]] = defaultdict(dict)
    for (cid, uid), (time, _) in people.items():
        arrivals[cid][uid] = time
    for (cid, uid), joined in snap.joins.items():
        if snap.is_bot(uid):
            continue
        when = joined.timestamp() if joined is not None else float("-inf")
        arrivals[cid][uid] = min(when, arrivals[cid].get(uid, when))
    for cid in sorted(set(times) | set(before) | set(arrivals)):
        if keep is not None and cid not in keep:
            continue
        channel = snap.channel_name(cid)
        lo, window = before.get(cid, 0), times.get(cid, [])
        for n in sorted(set(t.channel_messages)):
            if lo < n <= lo + len(window):
                at = datetime.fromtimestamp(window[n - lo - 1], tz=start.tzinfo)
                out.append(channel_count("channel_messages", "messages", cid, channel, n, at))
        for n, when in _crossings(list(arrivals[cid].values()), t.channel_members, start, end):
            at = datetime.fromtimestamp(when, tz=start.tzinfo)
            out.append(channel_count("channel_members", "members", cid, channel, n, at))
    return out

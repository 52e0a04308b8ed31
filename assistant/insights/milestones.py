"""Milestones worth celebrating in a window of time, each with a suggested celebration message a manager posts
with one click (never automatically):

- a member's anniversary in the community (months since their first message or join, from settings; then yearly);
- a member's first message, and their first answer that helped (a reply in someone else's thread that got a
  reaction, or that the asker thanked afterwards);
- a channel crossing a member or message count (thresholds from settings);
- a thread that solved a question open for a long time (settings: how many days is long).

All functions take a ``Snapshot`` (already restricted to what the caller may see) and the window ``[start, end)``.
A lazy snapshot (the services') reads them from the aggregates instead of every message
(``assistant.insights.milestones_aggregates``).
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from assistant.domain import Message
from assistant.insights.contributors import THANKS, helpful
from assistant.insights.data import Snapshot
from assistant.insights.models import Milestone

_SOLVED = re.compile(r"\b(solved|works now|fixed it|that did it|that worked|sorted)\b", re.I)


@dataclass(frozen=True)
class Thresholds:
    anniversary_months: tuple[int, ...] = (1, 3, 6, 12)
    channel_members: tuple[int, ...] = (10, 25, 50, 100, 250, 500, 1000, 2500, 5000)
    channel_messages: tuple[int, ...] = (50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000)
    long_open_days: float = 3.0
    exclude: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: object) -> Thresholds:
        return cls(
            anniversary_months=tuple(getattr(settings, "milestone_anniversary_months", cls.anniversary_months)),
            channel_members=tuple(getattr(settings, "milestone_channel_members", cls.channel_members)),
            channel_messages=tuple(getattr(settings, "milestone_channel_messages", cls.channel_messages)),
            long_open_days=float(getattr(settings, "milestone_long_open_days", cls.long_open_days)),
        )


def add_months(when: datetime, months: int) -> datetime:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    total = when.month - 1 + months
    year, month = when.year + total // 12, total % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def _months_phrase(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return "one year" if years == 1 else f"{years} years"
    return "one month" if months == 1 else f"{months} months"


def milestones(
    snap: Snapshot,
    start: datetime,
    end: datetime,
    thresholds: Thresholds | None = None,
    *,
    channel_ids: Iterable[str] | None = None,
) -> list[Milestone]:
    """Every milestone in ``[start, end)``, oldest first; ``channel_ids`` limits the channel milestones (and where
    members' milestones happened) to those channels."""
    t = thresholds or Thresholds()
    keep = set(channel_ids) if channel_ids is not None else None
    if snap.stored is not None:
        from assistant.insights.milestones_aggregates import from_aggregates

        out = from_aggregates(snap, start, end, t, keep)
    else:
        msgs = [m for m in snap.in_window(None, end) if m.user_id and not _bot(snap, m.user_id)]
        out = []
        out += _firsts(snap, msgs, start, end, keep)
        out += _anniversaries(snap, msgs, start, end, t, keep)
        out += _channel_counts(snap, msgs, start, end, t, keep)
        out += _solved(snap, msgs, start, end, t, keep)
    out.sort(key=lambda ms: (ms.at, ms.kind, ms.id))
    return out


def _bot(snap: Snapshot, user_id: str) -> bool:
    member = snap.members.get(user_id)
    return bool(member and member.is_bot)


def _in(when: datetime, start: datetime, end: datetime) -> bool:
    return start <= when < end


def _thread_replies(msgs: list[Message]) -> dict[tuple[str, str], list[Message]]:
    out: dict[tuple[str, str], list[Message]] = defaultdict(list)
    for m in msgs:
        if m.is_reply and m.thread_ts:
            out[(m.channel_id, m.thread_ts)].append(m)
    return out


def _firsts(
    snap: Snapshot, msgs: list[Message], start: datetime, end: datetime, keep: set[str] | None
) -> list[Milestone]:
    out: list[Milestone] = []
    first: dict[str, Message] = {}
    for m in msgs:
        first.setdefault(m.user_id or "", m)
    for uid, m in first.items():
        if not _in(m.time, start, end) or (keep is not None and m.channel_id not in keep):
            continue
        out.append(first_message(snap, uid, m))
    parents = {(m.channel_id, m.ts): m for m in msgs if not m.is_reply}
    replies = _thread_replies(msgs)
    helped: dict[str, Message] = {}
    for m in msgs:
        if m.user_id and m.user_id not in helped and helpful(m, parents, replies):
            helped[m.user_id] = m
    for uid, m in helped.items():
        if not _in(m.time, start, end) or (keep is not None and m.channel_id not in keep):
            continue
        out.append(first_helpful_answer(snap, uid, m))
    return out


def _member_first(
    snap: Snapshot, kind: str, uid: str, m: Message, title: str, suggestion: str, thread_ts: str | None
) -> Milestone:
    """A member's first of something (``kind``), shown at ``m`` and celebrated in ``thread_ts``; ``title`` may use
    ``{name}`` and ``{channel}``."""
    name, channel = snap.member_name(uid), snap.channel_name(m.channel_id)
    return Milestone(
        id=f"{kind}:{uid}",
        kind=kind,
        at=m.time,
        title=title.format(name=name, channel=channel),
        suggestion=suggestion,
        channel_id=m.channel_id,
        channel_name=channel,
        user_id=uid,
        user_name=name,
        post_channel=m.channel_id,
        post_thread_ts=thread_ts,
        citation=snap.cite(m),
    )


def first_message(snap: Snapshot, uid: str, m: Message) -> Milestone:
    welcome = f"Welcome, <@{uid}>! Great to see your first message here :wave: glad you're with us."
    title = "{name} posted for the first time, in #{channel}"
    return _member_first(snap, "first_message", uid, m, title, welcome, m.thread_ts or m.ts)


def first_helpful_answer(snap: Snapshot, uid: str, m: Message) -> Milestone:
    thanks = (
        f"Shout-out to <@{uid}> for their first answer that helped someone here :raised_hands: "
        "thank you for jumping in!"
    )
    title = "{name}'s first answer that helped someone, in #{channel}"
    return _member_first(snap, "first_helpful_answer", uid, m, title, thanks, m.thread_ts)


def _anniversaries(
    snap: Snapshot, msgs: list[Message], start: datetime, end: datetime, t: Thresholds, keep: set[str] | None
) -> list[Milestone]:
    from assistant.insights.members import home_channels

    began: dict[str, datetime] = {}
    for m in msgs:
        began.setdefault(m.user_id or "", m.time)
    for (_cid, uid), joined in snap.joins.items():
        if joined is not None and not _bot(snap, uid) and (uid not in began or joined < began[uid]):
            began[uid] = joined
    home = home_channels(snap)
    steps = sorted(set(t.anniversary_months))
    out: list[Milestone] = []
    for uid, since in began.items():
        member = snap.members.get(uid)
        if member is not None and member.deleted:
            continue
        where = home.get(uid)
        if where is None or (keep is not None and where not in keep):
            continue
        out += anniversaries(snap, uid, since, where, anniversary_months(since, steps, start, end))
    return out


def anniversary_months(since: datetime, steps: list[int], start: datetime, end: datetime) -> list[int]:
    """The anniversaries (in months, the ``steps`` then yearly) of ``since`` that fall in ``[start, end)``."""
    months = [n for n in steps if _in(add_months(since, n), start, end)]
    yearly = max(steps, default=12)
    n = yearly + 12
    while add_months(since, n) < end:
        if _in(add_months(since, n), start, end) and n % 12 == 0:
            months.append(n)
        n += 12
    return months


def anniversaries(snap: Snapshot, uid: str, since: datetime, where: str, months: list[int]) -> list[Milestone]:
    out: list[Milestone] = []
    for n in months:
        name, channel = snap.member_name(uid), snap.channel_name(where)
        phrase = _months_phrase(n)
        out.append(
            Milestone(
                id=f"anniversary:{uid}:{n}",
                kind="anniversary",
                at=add_months(since, n),
                title=f"{name}: {phrase} in the community (since {since:%d %b %Y})",
                suggestion=f"Happy community anniversary, <@{uid}>! {phrase.capitalize()} with us today "
                ":birthday: thanks for everything you bring.",
                channel_id=where,
                channel_name=channel,
                user_id=uid,
                user_name=name,
                count=n,
                post_channel=where,
            )
        )
    return out


def _crossings(
    times: list[float], levels: Iterable[int], start: datetime, end: datetime
) -> list[tuple[int, float]]:
    """(level, when the level-th item arrived) for each level reached inside the window."""
    times = sorted(times)
    lo, hi = bisect_left(times, start.timestamp()), bisect_left(times, end.timestamp())
    return [(n, times[n - 1]) for n in sorted(set(levels)) if lo < n <= hi]


def _channel_counts(
    snap: Snapshot, msgs: list[Message], start: datetime, end: datetime, t: Thresholds, keep: set[str] | None
) -> list[Milestone]:
    by_channel: dict[str, list[Message]] = defaultdict(list)
    for m in msgs:
        by_channel[m.channel_id].append(m)
    arrivals: dict[str, dict[str, float]] = defaultdict(dict)
    for cid, ms in by_channel.items():
        for m in ms:
            arrivals[cid].setdefault(m.user_id or "", float(m.ts))
    for (cid, uid), joined in snap.joins.items():
        if _bot(snap, uid):
            continue
        when = joined.timestamp() if joined is not None else float("-inf")
        arrivals[cid][uid] = min(when, arrivals[cid].get(uid, when))
    out: list[Milestone] = []
    for cid in sorted(set(by_channel) | set(arrivals)):
        if keep is not None and cid not in keep:
            continue
        channel = snap.channel_name(cid)
        counted = [
            ("channel_messages", "messages", [float(m.ts) for m in by_channel.get(cid, [])], t.channel_messages),
            ("channel_members", "members", list(arrivals[cid].values()), t.channel_members),
        ]
        for kind, noun, times, levels in counted:
            for n, ts in _crossings(times, levels, start, end):
                out.append(channel_count(kind, noun, cid, channel, n, datetime.fromtimestamp(ts, tz=start.tzinfo)))
    return out


def channel_count(kind: str, noun: str, cid: str, channel: str, n: int, at: datetime) -> Milestone:
    return Milestone(
        id=f"{kind}:{cid}:{n}",
        kind=kind,
        at=at,
        title=f"#{channel} reached {n:,} {noun}",
        suggestion=f"#{channel} just passed *{n:,} {noun}* :tada: thank you all for making this place what it is!",
        channel_id=cid,
        channel_name=channel,
        count=n,
        post_channel=cid,
    )


def _solved(
    snap: Snapshot, msgs: list[Message], start: datetime, end: datetime, t: Thresholds, keep: set[str] | None
) -> list[Milestone]:
    """Questions (a top-level message with "?") answered, after ``long_open_days``, by a reply that got a reaction
    or that the asker thanked, or that the asker marked solved themselves."""
    long_open = timedelta(days=t.long_open_days)
    replies = _thread_replies(msgs)
    out: list[Milestone] = []
    for m in msgs:
        if m.is_reply or "?" not in m.text or (keep is not None and m.channel_id not in keep):
            continue
        thread = sorted(replies.get((m.channel_id, m.ts), []), key=lambda r: float(r.ts))
        solver: Message | None = None
        solved_at: datetime | None = None
        for i, r in enumerate(thread):
            if r.user_id == m.user_id:
                if _SOLVED.search(r.text) and i > 0:
                    solved_at = r.time
                    solver = next((x for x in reversed(thread[:i]) if x.user_id != m.user_id), None)
                    break
                continue
            thanked = next((x for x in thread[i + 1 :] if x.user_id == m.user_id and THANKS.search(x.text)), None)
            if r.reaction_count > 0 or thanked is not None:
                solver, solved_at = r, (thanked.time if thanked is not None else r.time)
                break
        if solved_at is None or solver is None or solved_at - m.time < long_open:
            continue
        if not _in(solved_at, start, end):
            continue
        days = (solved_at - m.time).total_seconds() / 86400
        asker, helper = snap.member_name(m.user_id), snap.member_name(solver.user_id)
        channel = snap.channel_name(m.channel_id)
        out.append(
            Milestone(
                id=f"solved_question:{m.channel_id}:{m.ts}",
                kind="solved_question",
                at=solved_at,
                title=f"{helper} solved {asker}'s question in #{channel}, open for {days:.0f} days",
                suggestion=f"This one was open for {days:.0f} days and <@{solver.user_id}> cracked it :trophy: "
                "thank you! Anyone else stuck on something similar, this thread is the place.",
                channel_id=m.channel_id,
                channel_name=channel,
                user_id=solver.user_id,
                user_name=helper,
                count=round(days),
                post_channel=m.channel_id,
                post_thread_ts=m.ts,
                citation=snap.cite(m),
            )
        )
    return out

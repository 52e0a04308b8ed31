"""Members worth a manager's attention: who to recognise, who went quiet, which newcomers nobody answered.
Who to recognise is ranked in ``assistant.insights.contributors`` (re-exported here); who should meet whom
(twinning and mentoring across channels) lives in ``assistant.insights.twinning``.

All functions take a ``Snapshot`` (already restricted to what the caller may see) and an injectable ``now``.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from assistant.domain import Message
from assistant.insights.contributors import top_contributors
from assistant.insights.data import Snapshot
from assistant.insights.models import Newcomer, QuietMember, Twin
from assistant.insights.periods import week_index

if TYPE_CHECKING:
    import numpy as np

    from assistant.insights.twinning import ProfileSource

__all__ = ["home_channels", "quiet_members", "top_contributors", "twins", "unanswered_newcomers"]

logger = logging.getLogger(__name__)


def twins(
    snap: Snapshot,
    vectors: Callable[[Sequence[str]], dict[str, np.ndarray]],
    *,
    k: int = 5,
    flagged: Iterable[str] = (),
    profiles: ProfileSource | None = None,
) -> list[Twin]:
    """``assistant.insights.twinning.twins``, imported when first asked for: its stop words come from
    scikit-learn, which quiet members, contributors and newcomers never need."""
    from assistant.insights.twinning import twins as find_twins

    return find_twins(snap, vectors, k=k, flagged=flagged, profiles=profiles)


def quiet_members(
    snap: Snapshot,
    *,
    at: datetime | None = None,
    quiet_weeks: int = 3,
    lookback_weeks: int = 8,
    min_active_weeks: int = 3,
) -> list[QuietMember]:
    """Members who were regularly active and have now been silent for at least ``quiet_weeks`` weeks.

    *Regularly active*: posted in at least ``min_active_weeks`` distinct weeks of the ``lookback_weeks`` weeks
    before the silence began.
    """
    now = snap.now(at)
    quiet_start = now - timedelta(weeks=quiet_weeks)
    lookback_start = quiet_start - timedelta(weeks=lookback_weeks)
    if snap.aggregates is not None and min_active_weeks >= 1:
        return _quiet_from_aggregates(snap, now, quiet_start, lookback_start, min_active_weeks)
    last: dict[str, Message] = {}
    weeks: dict[str, set[int]] = defaultdict(set)
    counts: Counter[str] = Counter()
    channels: dict[str, set[str]] = defaultdict(set)
    for m in snap.in_window(None, now + timedelta(microseconds=1)):
        if not m.user_id:
            continue
        last[m.user_id] = m
        channels[m.user_id].add(snap.channel_name(m.channel_id))
        if lookback_start <= m.time < quiet_start:
            weeks[m.user_id].add(week_index(m.time))
            counts[m.user_id] += 1
    out = []
    for uid, m in last.items():
        if m.time >= quiet_start or len(weeks[uid]) < min_active_weeks:
            continue
        member = snap.members.get(uid)
        if member is not None and (member.is_bot or member.deleted):
            continue
        out.append(_quiet_member(snap, uid, m, now, len(weeks[uid]), counts[uid], channels[uid]))
    out.sort(key=lambda q: (-q.messages_before, q.name))
    return out


def _quiet_member(
    snap: Snapshot, uid: str, last: Message, now: datetime, active_weeks: int, messages: int, channels: set[str]
) -> QuietMember:
    """One quiet member as answers show them, from their last message and what they did before going quiet."""
    return QuietMember(
        user_id=uid,
        name=snap.member_name(uid),
        last_active=last.time,
        silent_weeks=round((now - last.time).total_seconds() / (7 * 86400), 1),
        active_weeks_before=active_weeks,
        messages_before=messages,
        channels=sorted(channels),
        last_message=snap.cite(last),
    )


def _quiet_from_aggregates(
    snap: Snapshot, now: datetime, quiet_start: datetime, lookback_start: datetime, min_active_weeks: int
) -> list[QuietMember]:
    """``quiet_members`` from the member-day aggregates of the look-back and the silence (O(days) rows per
    member who posted then): a quiet member posted in the look-back and not since, so their last message is
    the look-back's last."""
    assert snap.aggregates is not None
    ids = list(snap.channels)
    end = (now + timedelta(microseconds=1)).timestamp()
    recent = {s.user_id for s in snap.aggregates.member_spans(ids, quiet_start.timestamp(), end)}
    weeks: dict[str, set[int]] = defaultdict(set)
    counts: Counter[str] = Counter()
    last: dict[str, tuple[float, str, str]] = {}
    for span in snap.aggregates.member_spans(ids, lookback_start.timestamp(), quiet_start.timestamp()):
        if span.user_id in recent:
            continue
        weeks[span.user_id].add(week_index(datetime.fromtimestamp(span.day * 86400, tz=UTC)))
        counts[span.user_id] += span.messages
        mark = (span.last_time, span.channel_id, span.last_ts)
        if span.user_id not in last or mark > last[span.user_id]:
            last[span.user_id] = mark
    quiet = []
    for uid in last:
        if len(weeks[uid]) < min_active_weeks:
            continue
        member = snap.members.get(uid)
        if member is not None and (member.is_bot or member.deleted):
            continue
        quiet.append(uid)
    posted: dict[str, set[str]] = defaultdict(set)
    if quiet:
        for cid, uid in snap.aggregates.posters(ids, end, users=quiet):
            posted[uid].add(snap.channel_name(cid))
    out = []
    for uid in quiet:
        _, cid, ts = last[uid]
        m = snap.find(cid, ts)
        if m is None:
            continue
        out.append(_quiet_member(snap, uid, m, now, len(weeks[uid]), counts[uid], posted[uid]))
    out.sort(key=lambda q: (-q.messages_before, q.name))
    return out


def unanswered_newcomers(
    snap: Snapshot, *, at: datetime | None = None, newcomer_days: int = 42, include_answered: bool = False
) -> list[Newcomer]:
    """Members new to the workspace in the last ``newcomer_days`` days whose first message got no reply.

    *New*: their first message anywhere in the (visible) workspace, or their earliest join, falls in the window.
    """
    now = snap.now(at)
    start = now - timedelta(days=newcomer_days)
    earliest_join: dict[str, datetime] = {}
    for (_, uid), joined in snap.joins.items():
        if joined is not None and (uid not in earliest_join or joined < earliest_join[uid]):
            earliest_join[uid] = joined

    def newcomer(uid: str) -> bool:
        joined = earliest_join.get(uid)
        member = snap.members.get(uid)
        return not (joined is not None and joined < start) and not (member is not None and member.is_bot)

    found: list[tuple[str, Message, bool]] = []
    if snap.aggregates is not None:
        found = _first_posts_from_aggregates(snap, now, start, newcomer)
    else:
        first_msg: dict[str, Message] = {}
        for m in snap.in_window(None, now + timedelta(microseconds=1)):
            if m.user_id and m.user_id not in first_msg:
                first_msg[m.user_id] = m
        for uid, m in first_msg.items():
            if m.time >= start and newcomer(uid):
                found.append((uid, m, (m.channel_id, m.ts) in snap.first_reply))
    out = []
    for uid, m, answered in found:
        if answered and not include_answered:
            continue
        joined = earliest_join.get(uid)
        out.append(
            Newcomer(
                user_id=uid,
                name=snap.member_name(uid),
                channel_id=m.channel_id,
                channel_name=snap.channel_name(m.channel_id),
                joined_at=joined,
                first_message=snap.cite(m),
                answered=answered,
                waiting_days=round((now - m.time).total_seconds() / 86400, 1),
            )
        )
    out.sort(key=lambda n: -n.waiting_days)
    return out


def _first_posts_from_aggregates(
    snap: Snapshot, now: datetime, start: datetime, newcomer: Callable[[str], bool]
) -> list[tuple[str, Message, bool]]:
    """Members whose first message (by ``member_channels``, up to ``now``) is from ``start`` on, and who pass
    ``newcomer``: (member, that message, whether someone replied to it), in the order of those messages."""
    assert snap.aggregates is not None
    firsts: dict[str, tuple[float, str, str]] = {}
    end = (now + timedelta(microseconds=1)).timestamp()
    for (cid, uid), (time, ts) in snap.aggregates.posters(list(snap.channels), end).items():
        mark = (float(time), cid, ts)
        if uid not in firsts or mark < firsts[uid]:
            firsts[uid] = mark
    wanted = sorted(
        ((mark, uid) for uid, mark in firsts.items() if mark[0] >= start.timestamp() and newcomer(uid)),
    )
    if not wanted:
        return []
    replied = snap.aggregates.first_posts((cid, uid) for (_, cid, _), uid in wanted)
    out = []
    for (_, cid, ts), uid in wanted:
        m = snap.find(cid, ts)
        if m is not None:
            out.append((uid, m, bool(replied.get((cid, uid), (0.0, "", False))[2])))
    return out


def home_channels(snap: Snapshot) -> dict[str, str]:
    """Each member's main channel: where they post most."""
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for m in snap.messages:
        if m.user_id:
            per[m.user_id][m.channel_id] += 1
    return {uid: c.most_common(1)[0][0] for uid, c in per.items()}

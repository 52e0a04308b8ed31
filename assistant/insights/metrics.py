"""Engagement metrics of a channel (or the workspace) over a time window (``assistant.insights.periods``: the
past N days, a calendar period to date, a whole calendar period), with the trend against the window it is
compared with (``Window.previous()``: the previous N days, the same days of last week, the week before).

Definitions (kept here so every number in an answer can be explained):

- *messages*: conversation messages (people, not bots, joins or deleted placeholders) in the window.
- *active members*: distinct authors in the window; *members*: channel members at the window's end (membership
  rows, else everyone who ever posted); *participation rate* = active / members.
- *new members*: joined in the window (join events), or — in channels without any join records — first posted
  in the window; each newcomer's first message in the channel is *replied* if someone else answered it.
- *reply rate*: share of top-level messages in the window that got a reply from someone else (thread reply; in
  channels without threads, another person's message within 30 minutes; or an ``@mention`` of the author within a
  day); *median time to first reply* is over those replied messages, in minutes.
- *reactions per message*, *thread depth* (replies per thread started in the window, mean and max).
- *sentiment mix*: label shares over judged messages, where a label the judge gives less than ``MOOD_MIN_PROB``
  (0.5) counts as neutral; the *mood* word follows ``mood_of`` (a lean needs a
  clear margin and a significant sign test, so a few mislabelled messages do not flip a channel).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import UTC, datetime

from assistant.domain import Message
from assistant.insights.data import Snapshot
from assistant.insights.models import ChannelMetrics, Mood, PeriodCounts, SentimentMix, WindowInfo
from assistant.insights.periods import Window
from assistant.store.aggregates import WindowStats

#: A channel is "mixed" when both positive and negative messages are at least this common.
MIXED_SHARE = 0.25
#: A channel leans positive/negative only if the shares differ by this much...
LEAN_MARGIN = 0.10
#: ...and a two-sided sign test (binomial, positive vs negative messages) says the difference is not chance.
LEAN_P_VALUE = 0.10


def sign_test(successes: int, trials: int) -> float:
    """The two-sided exact sign test's p-value: ``scipy.stats.binomtest(successes, trials, 0.5).pvalue``,
    without importing SciPy (a second of start-up for every answer that names a mood). At p = 1/2 the binomial
    is symmetric, so the p-value is twice the smaller tail, summed from its largest term down."""
    k = min(successes, trials - successes)
    if trials <= 0 or 2 * k + 1 >= trials:  # the two counts are equal or next to each other
        return 1.0
    term = math.exp(
        math.lgamma(trials + 1) - math.lgamma(k + 1) - math.lgamma(trials - k + 1) - trials * math.log(2)
    )
    tail = 0.0
    for i in range(k, -1, -1):
        tail += term
        if term <= tail * 1e-17:
            break
        term *= i / (trials - i + 1)  # P(X = i - 1) from P(X = i)
    return min(1.0, 2.0 * tail)


def mood_of(positive: int, negative: int, judged: int) -> Mood:
    """Mood word from label counts.

    A handful of messages, or a judge that mislabels a few, must not make a channel "negative": a lean needs a
    clear margin and a significant sign test. Otherwise the channel is "mixed" when both sides are common, else
    "neutral".
    """
    if judged == 0:
        return "unknown"
    pos_share, neg_share = positive / judged, negative / judged
    if positive + negative and abs(pos_share - neg_share) >= LEAN_MARGIN:
        p_value = sign_test(positive, positive + negative)
        if p_value < LEAN_P_VALUE:
            return "positive" if positive > negative else "negative"
    if pos_share >= MIXED_SHARE and neg_share >= MIXED_SHARE:
        return "mixed"
    return "neutral"


def sentiment_mix(snap: Snapshot, messages: list[Message]) -> SentimentMix:
    labels: Counter[str] = Counter()
    for m in messages:
        j = snap.judgment(m)
        if j is not None:
            labels[j.sentiment.mood_label] += 1
    return mix_of(labels["positive"], labels["neutral"], labels["negative"])


def mix_of(positive: int, neutral: int, negative: int) -> SentimentMix:
    """The sentiment mix of these label counts (of judged messages)."""
    judged = positive + neutral + negative
    if not judged:
        return SentimentMix()
    pos, neu, neg = (n / judged for n in (positive, neutral, negative))
    return SentimentMix(
        judged=judged,
        positive=round(pos, 3),
        neutral=round(neu, 3),
        negative=round(neg, 3),
        net=round(pos - neg, 3),
        mood=mood_of(positive, negative, judged),
    )


def window_stats(
    snap: Snapshot, channel_id: str | None, window: Window, user_id: str | None = None
) -> WindowStats:
    """Sums over ``window`` from the aggregates (``snap.aggregates`` must be set)."""
    assert snap.aggregates is not None
    ids = [channel_id] if channel_id else list(snap.channels)
    return snap.aggregates.window(ids, window.start.timestamp(), window.end.timestamp(), user_id)


def _stats_mix(stats: WindowStats) -> SentimentMix:
    return mix_of(stats.positive, stats.neutral, stats.negative)


def _reply_stats(snap: Snapshot, messages: list[Message]) -> tuple[int, int, float | None]:
    top = [m for m in messages if not m.is_reply]
    waits = []
    for m in top:
        when = snap.first_reply.get((m.channel_id, m.ts))
        if when is not None:
            waits.append((when - m.time).total_seconds() / 60.0)
    median = round(statistics.median(waits), 1) if waits else None
    return len(top), len(waits), median


def _thread_depths(snap: Snapshot, messages: list[Message]) -> list[int]:
    depths = []
    for m in messages:
        if m.is_thread_parent:
            replies = snap.thread_replies.get((m.channel_id, m.ts), 0) or m.reply_count
            if replies:
                depths.append(replies)
    return depths


def _new_members(snap: Snapshot, channel_ids: list[str], window: Window) -> list[tuple[str, str, datetime | None]]:
    """(channel, user, joined_at) of members new in the window."""
    out: list[tuple[str, str, datetime | None]] = []
    for cid in channel_ids:
        joins = {uid: at for (c, uid), at in snap.joins.items() if c == cid}
        if any(at is not None for at in joins.values()):
            out.extend((cid, uid, at) for uid, at in joins.items() if at is not None and window.contains(at))
        else:
            first: dict[str, datetime] = {}
            for m in snap.by_channel.get(cid, []):
                if m.user_id and m.user_id not in first:
                    first[m.user_id] = m.time
            out.extend((cid, uid, at) for uid, at in first.items() if window.contains(at))
    return out


def first_message(snap: Snapshot, channel_id: str, user_id: str) -> Message | None:
    for m in snap.by_channel.get(channel_id, []):
        if m.user_id == user_id:
            return m
    return None


def _counts(snap: Snapshot, channel_id: str | None, window: Window) -> PeriodCounts:
    msgs = snap.in_window(window.start, window.end, channel_id)
    top, replied, _ = _reply_stats(snap, msgs)
    mix = sentiment_mix(snap, msgs)
    return PeriodCounts(
        label=window.label,
        start=window.start,
        end=window.end,
        messages=len(msgs),
        active_members=len({m.user_id for m in msgs if m.user_id}),
        reply_rate=round(replied / top, 3) if top else None,
        net_sentiment=mix.net if mix.judged else None,
    )


def _pct(now: float, before: float) -> float | None:
    return round((now - before) / before, 3) if before else None


def _diff(now: float | None, before: float | None) -> float | None:
    return round(now - before, 3) if now is not None and before is not None else None


def _metrics(
    snap: Snapshot,
    channel_id: str | None,
    window: Window,
    *,
    messages: int,
    active: set[str],
    members: set[str],
    newcomers: list[tuple[str, str, datetime | None]],
    answered: int,
    posted_newcomers: int,
    top: int,
    replied: int,
    median_wait: float | None,
    reactions: int,
    depths: tuple[int, int, int],
    mix: SentimentMix,
    prev: PeriodCounts,
) -> ChannelMetrics:
    threads, depth_sum, depth_max = depths
    reply_rate = round(replied / top, 3) if top else None
    return ChannelMetrics(
        channel_id=channel_id,
        channel_name=snap.channel_name(channel_id) if channel_id else "workspace",
        window=WindowInfo.of(window),
        start=window.start,
        end=window.end,
        messages=messages,
        active_members=len(active),
        members=len(members | active),
        participation_rate=round(len(active) / len(members | active), 3) if members | active else None,
        new_members=sorted({uid for _, uid, _ in newcomers}),
        new_members_first_replied=answered,
        new_members_first_unanswered=posted_newcomers - answered,
        top_level_messages=top,
        replied_messages=replied,
        reply_rate=reply_rate,
        median_first_reply_minutes=median_wait,
        reactions_per_message=round(reactions / messages, 3) if messages else None,
        threads=threads,
        mean_thread_depth=round(depth_sum / threads, 2) if threads else None,
        max_thread_depth=depth_max,
        sentiment=mix,
        previous=prev,
        trend={
            "messages_pct": _pct(messages, prev.messages),
            "active_members_pct": _pct(len(active), prev.active_members),
            "reply_rate": _diff(reply_rate, prev.reply_rate),
            "net_sentiment": _diff(mix.net if mix.judged else None, prev.net_sentiment),
        },
    )


def _aggregate_metrics(snap: Snapshot, channel_id: str | None, window: Window) -> ChannelMetrics:
    """``compute_metrics`` from the aggregates: O(days in the window) rows, plus the channels' posters."""
    assert snap.aggregates is not None
    channel_ids = [channel_id] if channel_id else list(snap.channels)
    stats = window_stats(snap, channel_id, window)
    prev_window = window.previous()
    prev_stats = window_stats(snap, channel_id, prev_window)
    prev_mix = _stats_mix(prev_stats)
    prev = PeriodCounts(
        label=prev_window.label,
        start=prev_window.start,
        end=prev_window.end,
        messages=prev_stats.messages,
        active_members=len(prev_stats.users),
        reply_rate=round(prev_stats.replied / prev_stats.top_level, 3) if prev_stats.top_level else None,
        net_sentiment=prev_mix.net if prev_mix.judged else None,
    )
    posters = snap.aggregates.posters(channel_ids, window.end.timestamp())
    members: set[str] = set()
    newcomers: list[tuple[str, str, datetime | None]] = []
    for cid in channel_ids:
        joins = {uid: at for (c, uid), at in snap.joins.items() if c == cid}
        members |= {
            uid
            for uid, joined in joins.items()
            if (joined is None or joined < window.end) and not snap.is_bot(uid)
        }
        if any(at is not None for at in joins.values()):
            newcomers.extend((cid, uid, at) for uid, at in joins.items() if at is not None and window.contains(at))
    start = window.start.timestamp()
    joined_channels = {c for (c, _), at in snap.joins.items() if at is not None}
    for (cid, uid), (first_time, _) in posters.items():
        if not snap.is_bot(uid):
            members.add(uid)
        if cid not in joined_channels and first_time >= start:
            newcomers.append((cid, uid, datetime.fromtimestamp(first_time, tz=UTC)))
    firsts = snap.aggregates.first_posts((cid, uid) for cid, uid, _ in newcomers)
    answered = sum(1 for cid, uid, _ in newcomers if firsts.get((cid, uid), (0.0, "", False))[2])
    posted_newcomers = sum(1 for cid, uid, _ in newcomers if (cid, uid) in firsts)
    return _metrics(
        snap,
        channel_id,
        window,
        messages=stats.messages,
        active=stats.users,
        members=members,
        newcomers=newcomers,
        answered=answered,
        posted_newcomers=posted_newcomers,
        top=stats.top_level,
        replied=stats.replied,
        median_wait=round(statistics.median(stats.waits), 1) if stats.waits else None,
        reactions=stats.reactions,
        depths=(stats.threads, stats.depth_sum, stats.depth_max),
        mix=_stats_mix(stats),
        prev=prev,
    )


def compute_metrics(snap: Snapshot, channel_id: str | None, window: Window) -> ChannelMetrics:
    """Metrics of one channel (``channel_id``) or of every channel in the snapshot (``None``) over ``window``,
    with trends against ``window.previous()``: from the aggregates when the snapshot has them, else from its
    messages (the two agree: ``tests/insights/test_aggregates.py``)."""
    if snap.aggregates is not None:
        return _aggregate_metrics(snap, channel_id, window)
    prev_window = window.previous()
    msgs = snap.in_window(window.start, window.end, channel_id)
    channel_ids = [channel_id] if channel_id else list(snap.channels)
    members: set[str] = set()
    for cid in channel_ids:
        members |= snap.channel_members(cid, window.end)
    active = {m.user_id for m in msgs if m.user_id}
    top, replied, median_wait = _reply_stats(snap, msgs)
    depths = _thread_depths(snap, msgs)
    newcomers = _new_members(snap, channel_ids, window)
    answered = 0
    for cid, uid, _ in newcomers:
        first = first_message(snap, cid, uid)
        if first is not None and (cid, first.ts) in snap.first_reply:
            answered += 1
    posted_newcomers = sum(1 for cid, uid, _ in newcomers if first_message(snap, cid, uid) is not None)
    prev = _counts(snap, channel_id, prev_window)
    return _metrics(
        snap,
        channel_id,
        window,
        messages=len(msgs),
        active=active,
        members=members,
        newcomers=newcomers,
        answered=answered,
        posted_newcomers=posted_newcomers,
        top=top,
        replied=replied,
        median_wait=median_wait,
        reactions=sum(m.reaction_count for m in msgs),
        depths=(len(depths), sum(depths), max(depths, default=0)),
        mix=sentiment_mix(snap, msgs),
        prev=prev,
    )

"""Intent "activity": engagement metrics over exactly the window asked for, with the busiest thread cited."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from assistant.domain import Message
from assistant.insights.data import Snapshot
from assistant.insights.intents.base import Draft, Facts, Sources, targets
from assistant.insights.metrics import compute_metrics
from assistant.insights.models import ChannelMetrics, PeriodCounts
from assistant.insights.periods import to_date
from assistant.insights.questions import ParsedQuestion


class MetricsFact(ChannelMetrics):
    """``ChannelMetrics`` without the previous window's counts (its trends stay)."""

    previous: PeriodCounts | None = Field(default=None, exclude=True)


class ChannelActivityFact(MetricsFact):
    busiest_ref: int | None = None


class ActivityFacts(Facts):
    omit_if_none = ("workspace",)

    per_channel: list[ChannelActivityFact] = Field(default_factory=list)
    window_label: str
    window_kind: str
    comparison_label: str
    workspace: MetricsFact | None = Field(default=None, description="only when several channels are asked about")


def draft(src: Sources, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> Draft:
    """Metrics over exactly the window asked for ("the past 10 days" = 240 h up to now), this week by default;
    trends against that window's ``previous()``, named by its ``comparison``."""
    window = parsed.window or to_date("week", now)
    facts = ActivityFacts(window_label=window.label, window_kind=window.kind, comparison_label=window.comparison)
    d = Draft("activity", facts)
    chosen = targets(parsed, snap)
    for cid in chosen:
        met = compute_metrics(snap, cid, window)
        if not met.messages and not parsed.channel_ids:
            continue
        busiest = _busiest(snap, cid, met.start, met.end)
        facts.per_channel.append(
            ChannelActivityFact(**dict(met), busiest_ref=d.cite(snap, busiest) if busiest is not None else None)
        )
    if len(chosen) > 1:
        facts.workspace = MetricsFact(**dict(compute_metrics(snap, None, window)))
    return d


def _busiest(snap: Snapshot, cid: str, start: datetime, end: datetime) -> Message | None:
    if snap.aggregates is not None:
        ts = snap.aggregates.best(cid, start.timestamp(), end.timestamp(), order="busiest")
        return snap.find(cid, ts)
    return max(
        (m for m in snap.in_window(start, end, cid) if not m.is_reply),
        key=lambda m: (snap.thread_replies.get((m.channel_id, m.ts), 0) + m.reaction_count, float(m.ts)),
        default=None,
    )

"""Replay: re-judge stored history under a proposed policy before anyone switches it on.

Uses the stored judgments (judging again from stored vectors whatever an older model or no model judged),
the same crossing rule as live flagging, the same burst grouping, and past moderator decisions as the
reference for agreement. The on/off switch and shadow mode are ignored here: they decide who is alerted,
not what crosses; exemptions and allow-listed terms apply.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from sklearn.metrics import f1_score, precision_score, recall_score

from assistant.domain import Judgment, Message
from assistant.moderation.grouping import BurstItem, group_bursts
from assistant.moderation.models import (
    NEGATIVE_DECISIONS,
    POSITIVE_DECISIONS,
    Agreement,
    ChannelPolicy,
    ClauseRef,
    FlagRecord,
    ReplayFlag,
    ReplayReport,
)
from assistant.moderation.policy import check_thresholds
from assistant.moderation.rules import evaluate


class JudgedHistory(NamedTuple):
    """Stored conversation with its judgments, and how many of them were judged again for the replay."""

    messages: list[Message]
    judgments: dict[tuple[str, str], Judgment]
    rejudged: int


class ReplaySource(Protocol):
    """Everything replay reads (``assistant.moderation.history.StoredHistory`` reads it from the store)."""

    def now(self) -> datetime:
        """ "Now", for "the last N days"."""

    def burst_window(self) -> float:
        """Seconds within which flags by one member or in one thread share an alert."""

    def channel_names(self) -> dict[str, str]: ...

    def policies(self, channel_ids: Iterable[str]) -> dict[str, ChannelPolicy]:
        """The policy each channel runs under now."""

    def judged_history(self, channel_id: str | None, since: datetime | None) -> JudgedHistory:
        """Stored conversation (in a channel, or everywhere) since ``since``, each message with a judgment."""

    def clauses(self, flagged: Sequence[tuple[Message, Judgment, str]]) -> list[ClauseRef | None]:
        """The clause each (message, judgment, judgment name that crossed) would cite."""

    def decided_flags(self, channel_id: str | None) -> list[FlagRecord]:
        """Flags moderators decided on (in a channel, or everywhere)."""


def propose(policy: ChannelPolicy, overrides: dict[str, float]) -> ChannelPolicy:
    """``policy`` with the proposed thresholds (a proposal replaces any learned offset for that judgment)."""
    return policy.model_copy(
        update={
            "enabled": True,
            "thresholds": {**policy.thresholds, **overrides},
            "calibration": {k: v for k, v in policy.calibration.items() if k not in overrides},
        }
    )


def agreement(flagged: set[tuple[str, str]], decisions: dict[tuple[str, str], bool]) -> Agreement:
    """Precision/recall of ``flagged`` against decided flags (True = upheld, False = dismissed/false positive)."""
    if not decisions:
        return Agreement()
    keys = sorted(decisions)
    y_true = [decisions[k] for k in keys]
    y_pred = [k in flagged for k in keys]
    tp = sum(t and p for t, p in zip(y_true, y_pred, strict=True))
    fp = sum(p and not t for t, p in zip(y_true, y_pred, strict=True))
    fn = sum(t and not p for t, p in zip(y_true, y_pred, strict=True))
    tn = len(keys) - tp - fp - fn

    def metric(value: float) -> float | None:
        return None if math.isnan(value) else round(float(value), 4)

    nan = float("nan")
    return Agreement(
        decided=len(keys),
        true_positive=tp,
        false_positive=fp,
        false_negative=fn,
        true_negative=tn,
        precision=metric(precision_score(y_true, y_pred, zero_division=nan)),
        recall=metric(recall_score(y_true, y_pred, zero_division=nan)),
        f1=metric(f1_score(y_true, y_pred, zero_division=nan)),
    )


def run_replay(
    source: ReplaySource,
    *,
    channel_id: str | None,
    since_days: float | None,
    overrides: dict[str, float],
) -> ReplayReport:
    proposed_thresholds = {k: float(v) for k, v in check_thresholds(dict(overrides)).items() if v is not None}
    since = source.now() - timedelta(days=since_days) if since_days else None
    messages, judgments, rejudged = source.judged_history(channel_id, since)
    names = source.channel_names()
    current = source.policies(dict.fromkeys(m.channel_id for m in messages if (m.channel_id, m.ts) in judgments))
    current_policies = {cid: propose(base, {}) for cid, base in current.items()}
    proposed_policies = {cid: propose(base, proposed_thresholds) for cid, base in current.items()}
    report = ReplayReport(
        channel=names.get(channel_id, channel_id) if channel_id else None,
        since_days=since_days,
        overrides=proposed_thresholds,
        rejudged=rejudged,
    )
    flagged = []
    current_keys: set[tuple[str, str]] = set()
    for m in messages:
        j = judgments.get((m.channel_id, m.ts))
        if j is None:
            continue
        report.judged += 1
        if evaluate(current_policies[m.channel_id], m, j) is not None:
            current_keys.add((m.channel_id, m.ts))
        crossing = evaluate(proposed_policies[m.channel_id], m, j)
        if crossing is not None:
            flagged.append((m, j, crossing))
    clauses = source.clauses([(m, j, crossing.judgment) for m, j, crossing in flagged])
    items: list[BurstItem] = []
    for (m, _j, crossing), clause in zip(flagged, clauses, strict=True):
        report.flagged.append(
            ReplayFlag(
                channel=names.get(m.channel_id, m.channel_id),
                ts=m.ts,
                judgment=crossing.judgment,
                score=crossing.score,
                clause=clause.id if clause else None,
            )
        )
        items.append(BurstItem(m.channel_id, m.user_id, m.thread_ts, float(m.ts)))
        report.by_channel[names.get(m.channel_id, m.channel_id)] = (
            report.by_channel.get(names.get(m.channel_id, m.channel_id), 0) + 1
        )
    report.alerts = len(group_bursts(items, source.burst_window()))
    proposed_keys = {(m.channel_id, m.ts) for m, _, _ in flagged}
    report.current_flagged = len(current_keys)
    report.added = [
        f for f, (m, _, _) in zip(report.flagged, flagged, strict=True) if (m.channel_id, m.ts) not in current_keys
    ]
    dropped = sorted(current_keys - proposed_keys, key=lambda k: float(k[1]))
    for cid, ts in dropped:
        j = judgments[(cid, ts)]
        policy = current_policies[cid]
        m = next(x for x in messages if x.channel_id == cid and x.ts == ts)
        c = evaluate(policy, m, j)
        if c is not None:
            report.dropped.append(
                ReplayFlag(channel=names.get(cid, cid), ts=ts, judgment=c.judgment, score=c.score, clause=None)
            )
    decisions: dict[tuple[str, str], bool] = {}
    positive = {str(k) for k in POSITIVE_DECISIONS}
    negative = {str(k) for k in NEGATIVE_DECISIONS}
    in_scope = {(m.channel_id, m.ts) for m in messages}
    for f in source.decided_flags(channel_id):
        key = (f.channel_id, f.ts)
        if key in in_scope and f.decision in positive | negative:
            decisions[key] = f.decision in positive
    report.agreement = agreement(proposed_keys, decisions)
    return report

"""The weekly digest for a manager: per channel, the ISO week's numbers and trend, mood, top wants, members who
went quiet, unanswered newcomers and people to recognise; then the week's milestones worth celebrating. Rendered
as text by ``prompts/digest_weekly.md``.

The digest covers an ISO calendar week (Monday 00:00 UTC on): this week to date, compared with the same days of
last week; or, early in a week, the whole of last week, compared with the week before. Its labels come from the
window (``assistant.insights.periods``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from assistant.insights import members as members_mod
from assistant.insights.metrics import compute_metrics
from assistant.insights.milestones import Thresholds, milestones
from assistant.insights.models import Digest, DigestChannel, WindowInfo
from assistant.insights.periods import last, to_date
from assistant.insights.wants import channel_wants

if TYPE_CHECKING:
    from assistant.insights.service import InsightsService


def build_digest(
    service: InsightsService,
    *,
    manager_id: str | None = None,
    channels: Sequence[str] | None = None,
    at: datetime | None = None,
    visible: Iterable[str] | None = None,
) -> Digest:
    """Channels: those named, else those the manager is a member of, else every visible channel.

    Covers the current week to date, or the last complete week when fewer than three days of this one passed.
    """
    snap = service.snapshot(visible)
    if channels:
        ids = [service.channel_id(snap, c) for c in channels]
    elif manager_id:
        ids = sorted({cid for (cid, uid) in snap.joins if uid == manager_id and snap.has_messages(cid)})
        if not ids and (agg := snap.stored) is not None:  # where they posted, by the aggregates
            ids = sorted({cid for cid, _ in agg.posters(list(snap.channels), None, users=[manager_id])})
        elif not ids:
            ids = sorted({m.channel_id for m in snap.messages if m.user_id == manager_id})
    else:
        ids = [cid for cid in snap.channels if snap.has_messages(cid)]
    ids = sorted(ids, key=snap.channel_name)
    # A digest sent early in a week (say on Monday) covers the last complete week instead of a day or two.
    now = snap.now(at)
    window = to_date("week", now)
    if window.length < timedelta(days=3):
        window = last("week", now)
    at = window.last_instant
    workspace = compute_metrics(snap.restrict(ids), None, window)
    digest = Digest(
        manager_id=manager_id,
        start=window.start,
        end=window.end,
        window=WindowInfo.of(window),
        workspace=workspace,
    )
    # Newcomers are new to the (visible) workspace, listed under the channel of their first message.
    newcomers = members_mod.unanswered_newcomers(snap, at=at, newcomer_days=service.newcomer_days)
    for cid in ids:
        scoped = snap.restrict({cid})
        metrics = compute_metrics(snap, cid, window)
        wants = channel_wants(snap, cid, service.vectors, threshold=service.want_threshold, at=at)
        digest.channels.append(
            DigestChannel(
                channel_id=cid,
                channel_name=snap.channel_name(cid),
                metrics=metrics,
                wants=wants.themes[:3],
                quiet=members_mod.quiet_members(scoped, at=at, quiet_weeks=service.quiet_weeks),
                newcomers=[n for n in newcomers if n.channel_id == cid],
                contributors=members_mod.top_contributors(scoped, since=metrics.start, at=at, k=3),
            )
        )
    thresholds = getattr(service, "milestone_thresholds", None) or Thresholds()
    digest.milestones = milestones(snap, window.start, window.end, thresholds, channel_ids=ids)
    return digest

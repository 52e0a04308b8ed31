"""What each channel wants: messages judged as requests, suggestions or needs, clustered into themes.

Want messages come from stored judgments (``want.is_want`` or a score over the configured threshold), plus
messages nearly identical in meaning to a judged want of the same channel (``WANT_PROPAGATION_SIMILARITY``);
their vectors come from the index (the one encoder pass, never re-encoded). Themes are agglomerative clusters with a
cosine distance threshold (deterministic: same messages, same themes, in any input order); labels are the
theme's distinctive terms (c-TF-IDF against the channel's other wants). A theme needs at least two messages;
single wants are listed as one-offs.

Free-text survey answers given from a channel are wants too, *solicited* ones (``assistant.surveys``): they are
clustered with the channel's messages, and themes and the channel count how many of theirs came from a survey.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import numpy as np
from sklearn.cluster import AgglomerativeClustering

from assistant.domain import Citation, Message
from assistant.insights.data import Snapshot
from assistant.insights.labels import distinctive_terms, label_from_terms
from assistant.insights.models import ChannelWants, Trend, WantTheme

logger = logging.getLogger(__name__)

VectorLookup = Callable[[Sequence[str]], dict[str, np.ndarray]]

#: Cosine distance under which two wants (average linkage) belong to one theme.
WANT_DISTANCE = 0.55
#: The most recent wants clustered per channel (agglomerative clustering is quadratic in memory).
MAX_WANTS_PER_CHANNEL = 3000
TREND_DAYS = 30


def want_messages(snap: Snapshot, channel_id: str, threshold: float) -> list[Message]:
    """The channel's messages judged as wants (``is_want``, or a score of at least ``threshold``), oldest first."""
    found = snap.want_messages(channel_id, threshold)
    if found is not None:
        return found
    out = []
    for m in snap.by_channel.get(channel_id, []):
        j = snap.judgment(m)
        if j is not None and (j.want.is_want or j.want.score >= threshold):
            out.append(m)
    return out


def cluster_vectors(vectors: np.ndarray, distance: float = WANT_DISTANCE) -> np.ndarray:
    """Cluster labels for unit vectors; one label per row. Deterministic for a given set of rows."""
    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance
    )
    return np.asarray(model.fit_predict(vectors), dtype=int)


def _trend(times: list[datetime], now: datetime) -> tuple[Trend, int, int]:
    recent_start = now - timedelta(days=TREND_DAYS)
    earlier_start = recent_start - timedelta(days=TREND_DAYS)
    recent = sum(1 for t in times if t >= recent_start)
    earlier = sum(1 for t in times if earlier_start <= t < recent_start)
    older = sum(1 for t in times if t < earlier_start)
    trend: Trend
    if recent and not earlier and not older:
        trend = "new"
    elif recent > earlier:
        trend = "rising"
    elif (recent == 0 and earlier == 0) or recent < earlier:
        trend = "fading"
    else:
        trend = "steady"
    return trend, recent, earlier


def channel_wants(
    snap: Snapshot,
    channel_id: str,
    vectors: VectorLookup,
    *,
    threshold: float = 0.5,
    distance: float = WANT_DISTANCE,
    at: datetime | None = None,
    representatives: int = 3,
    solicited: Sequence[tuple[Message, np.ndarray]] = (),
) -> ChannelWants:
    now = snap.now(at)
    judged = [m for m in want_messages(snap, channel_id, threshold) if m.time <= now][-MAX_WANTS_PER_CHANNEL:]
    stored = vectors([m.key for m in judged]) if judged else {}
    asked = {m.key for m, _ in solicited if m.time <= now}
    for m, vector in solicited:
        if m.key in asked:
            judged.append(m)
            stored[m.key] = vector
    missing = [m for m in judged if m.key not in stored]
    if missing:
        logger.warning("%d want messages in %s have no stored vector; skipped", len(missing), channel_id)
    judged = [m for m in judged if m.key in stored]
    msgs = sorted(judged, key=lambda m: (float(m.ts), m.key))
    name = snap.channel_name(channel_id)
    result = ChannelWants(
        channel_id=channel_id, channel_name=name, wants=len(msgs), solicited=sum(1 for m in msgs if m.key in asked)
    )

    def cite(m: Message) -> Citation:
        if m.key not in asked:
            return snap.cite(m)
        who = snap.member_name(m.user_id) if m.user_id else "anonymous"
        return Citation(channel=name, ts=m.ts, text=m.text, user=f"{who} (survey answer)")

    if not msgs:
        return result
    mat = np.stack([stored[m.key] for m in msgs]).astype(np.float32)
    labels = cluster_vectors(mat, distance)
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(int(lab), []).append(i)
    themes_idx = [idx for idx in groups.values() if len(idx) >= 2]
    singles = [idx[0] for idx in groups.values() if len(idx) < 2]
    docs = {str(n): [snap.plain_text(msgs[i]) for i in idx] for n, idx in enumerate(themes_idx)}
    if singles:
        docs["_other"] = [snap.plain_text(msgs[i]) for i in singles]
    terms = distinctive_terms(docs, top=5)
    themes = []
    for n, idx in enumerate(themes_idx):
        members = sorted({uid for i in idx if (uid := msgs[i].user_id)})
        centroid = mat[idx].mean(axis=0)
        order = sorted(idx, key=lambda i: (-float(mat[i] @ centroid), float(msgs[i].ts)))
        trend, recent, earlier = _trend([msgs[i].time for i in idx], now)
        theme_terms = terms.get(str(n), [])
        themes.append(
            WantTheme(
                channel_id=channel_id,
                channel_name=name,
                label=label_from_terms(theme_terms, fallback=msgs[order[0]].text[:40]),
                terms=theme_terms,
                size=len(idx),
                members=members,
                member_names=[snap.member_name(u) for u in members],
                distinct_members=len(members),
                trend=trend,
                recent=recent,
                earlier=earlier,
                first=min(msgs[i].time for i in idx),
                last=max(msgs[i].time for i in idx),
                representatives=[cite(msgs[i]) for i in order[:representatives]],
                ts=[msgs[i].ts for i in sorted(idx, key=lambda i: float(msgs[i].ts))],
                solicited=sum(1 for i in idx if msgs[i].key in asked),
            )
        )
    themes.sort(key=lambda t: (-t.distinct_members, -t.size, t.label))
    result.themes = themes
    result.one_offs = [cite(msgs[i]) for i in sorted(singles, key=lambda i: float(msgs[i].ts))]
    return result


def solicited_for(service: object, channel_id: str) -> list[tuple[Message, np.ndarray]]:
    """The channel's survey answers as wants (``service.solicited_wants``, set by the context), else none."""
    provider = getattr(service, "solicited_wants", None)
    return list(provider(channel_id)) if provider is not None else []

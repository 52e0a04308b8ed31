"""What each channel wants: messages judged as requests, suggestions or needs, clustered into themes.

Want messages come from stored judgments (``want.is_want`` or a score over the configured threshold), plus
messages nearly identical in meaning to a judged want of the same channel (``WANT_PROPAGATION_SIMILARITY``);
their vectors come from the index (the one encoder pass, never re-encoded). Themes are agglomerative clusters with a
cosine distance threshold (deterministic: same messages, same themes, in any input order); labels are the
theme's distinctive terms (c-TF-IDF against the channel's other wants). A theme needs at least two messages;
single wants are listed as one-offs.

Once a channel's wants were re-clustered (``assistant.insights.themes``, on a schedule), answers read its stored
themes instead: a want judged since joins its nearest theme (cosine to the centroid of at least
``JOIN_SIMILARITY``) or waits as a one-off; labels, sizes, members and trends are computed from the wants that are
still there (a deleted message leaves its theme at once).

Free-text survey answers given from a channel are wants too, *solicited* ones (``assistant.surveys``): they are
clustered with the channel's messages, and themes and the channel count how many of theirs came from a survey.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import numpy as np

from assistant.domain import Citation, Message
from assistant.insights.data import Snapshot
from assistant.insights.labels import distinctive_terms, label_from_terms
from assistant.insights.models import ChannelWants, Trend, WantTheme
from assistant.store.aggregate_themes import ChannelThemes

logger = logging.getLogger(__name__)

VectorLookup = Callable[[Sequence[str]], dict[str, np.ndarray]]

#: Cosine distance under which two wants (average linkage) belong to one theme.
WANT_DISTANCE = 0.55
#: The most recent wants clustered per channel (agglomerative clustering is quadratic in memory).
MAX_WANTS_PER_CHANNEL = 3000
TREND_DAYS = 30
#: Cosine similarity to a stored theme's centroid at which a new want joins it (else it waits as a one-off).
JOIN_SIMILARITY = 1.0 - WANT_DISTANCE


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
    from sklearn.cluster import AgglomerativeClustering  # only to cluster (1.3-1.7 s to import)

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
    join_similarity: float | None = None,
) -> ChannelWants:
    """The channel's wants as themes and one-offs: its stored themes when it has some (``insights.themes``: a
    want joins its nearest theme or waits as a one-off, re-clustering rebuilds them), else clustered now."""
    if join_similarity is None:
        join_similarity = JOIN_SIMILARITY
    now = snap.now(at)
    judged = [m for m in want_messages(snap, channel_id, threshold) if m.time <= now][-MAX_WANTS_PER_CHANNEL:]
    stored_themes = _stored(snap, channel_id) if judged else None
    # With stored themes, only a want not assigned since the last re-clustering needs its vector (a stored want
    # had one when it was clustered): an answer from the themes opens no index (no Chroma import).
    assigned = set() if stored_themes is None else {m.key for m in judged if m.ts in stored_themes.members}
    unassigned = [m.key for m in judged if m.key not in assigned]
    stored: dict[str, np.ndarray] = vectors(unassigned) if unassigned else {}
    asked = {m.key for m, _ in solicited if m.time <= now}
    for m, vector in solicited:
        if m.key in asked:
            judged.append(m)
            stored[m.key] = vector
    missing = [m for m in judged if m.key not in stored and m.key not in assigned]
    if missing:
        logger.warning("%d want messages in %s have no stored vector; skipped", len(missing), channel_id)
    judged = [m for m in judged if m.key in stored or m.key in assigned]
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
    if stored_themes is not None:
        groups, scores = _from_stored(stored_themes, msgs, asked, vectors, stored, join_similarity)
    else:
        mat = np.stack([stored[m.key] for m in msgs]).astype(np.float32)
        groups, scores = partition(mat, distance)
    themes_idx, singles, terms = split_themes(snap, msgs, groups)
    themes = []
    for n, idx in enumerate(themes_idx):
        members = sorted({uid for i in idx if (uid := msgs[i].user_id)})
        order = sorted(idx, key=lambda i: (-scores[i], float(msgs[i].ts)))
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


def split_themes(
    snap: Snapshot, msgs: Sequence[Message], groups: Sequence[Sequence[int]]
) -> tuple[list[Sequence[int]], list[int], dict[str, list[str]]]:
    """Groups of wants (indexes into ``msgs``) as themes (two wants or more) and one-offs, with each theme's
    distinctive terms (keyed by its position, as a string) against the other themes and the one-offs."""
    themed = [idx for idx in groups if len(idx) >= 2]
    singles = [i for idx in groups if len(idx) < 2 for i in idx]
    docs = {str(n): [snap.plain_text(msgs[i]) for i in idx] for n, idx in enumerate(themed)}
    if singles:
        docs["_other"] = [snap.plain_text(msgs[i]) for i in singles]
    return themed, singles, distinctive_terms(docs, top=5)


def partition(mat: np.ndarray, distance: float = WANT_DISTANCE) -> tuple[list[list[int]], list[float]]:
    """Clusters of the rows of ``mat`` (lists of row numbers, in order of first appearance), and each row's
    similarity to its cluster's centroid (the mean of its rows): what orders a theme's representatives."""
    labels = cluster_vectors(mat, distance)
    by_label: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        by_label.setdefault(int(lab), []).append(i)
    scores = [0.0] * len(mat)
    for idx in by_label.values():
        centroid = mat[idx].mean(axis=0)
        for i in idx:
            scores[i] = float(mat[i] @ centroid)
    return list(by_label.values()), scores


def _stored(snap: Snapshot, channel_id: str) -> ChannelThemes | None:
    """The channel's stored themes when it has some (``assistant.insights.themes``); None: cluster on the fly (a
    snapshot built from lists, or a channel never re-clustered)."""
    if snap.aggregates is None or snap.loaded:
        return None
    found = snap.aggregates.want_themes(channel_id)
    return found if found.built else None


def _from_stored(
    stored_themes: ChannelThemes,
    msgs: list[Message],
    asked: set[str],
    vectors: VectorLookup,
    known: dict[str, np.ndarray],
    join_similarity: float,
) -> tuple[list[list[int]], list[float]]:
    """Groups of ``msgs`` by stored theme (one-offs alone). A want without a stored row (judged since the last
    re-clustering and not yet assigned, or a survey answer) joins its nearest theme here, as on ingest."""
    by_theme: dict[int, list[int]] = {}
    alone: list[int] = []
    scores = [0.0] * len(msgs)
    for i, m in enumerate(msgs):
        row = None if m.key in asked else stored_themes.members.get(m.ts)
        if row is not None:
            scores[i] = row.similarity
            theme_id = row.theme_id
        else:
            vector = known.get(m.key)
            if vector is None:
                vector = vectors([m.key]).get(m.key)
            theme_id, scores[i] = (
                (None, 0.0) if vector is None else nearest(stored_themes, vector, join_similarity)
            )
        if theme_id is None or theme_id not in stored_themes.themes:
            alone.append(i)
        else:
            by_theme.setdefault(theme_id, []).append(i)
    groups = sorted(by_theme.values(), key=lambda idx: idx[0]) + [[i] for i in alone]
    return groups, scores


def nearest(stored_themes: ChannelThemes, vector: np.ndarray, join_similarity: float) -> tuple[int | None, float]:
    """The theme whose centroid is nearest ``vector`` (cosine) when at least ``join_similarity``, else None; and
    the vector's similarity to that theme's centroid (as stored for members: a dot product with the mean)."""
    best: tuple[int | None, float, float] = (None, -2.0, 0.0)
    v = np.asarray(vector, dtype=np.float32)
    vn = float(np.linalg.norm(v)) or 1.0
    for theme in sorted(stored_themes.themes.values(), key=lambda t: t.id):
        cn = float(np.linalg.norm(theme.centroid)) or 1.0
        dot = float(v @ theme.centroid)
        cosine = dot / (vn * cn)
        if cosine > best[1]:
            best = (theme.id, cosine, dot)
    if best[0] is None or best[1] < join_similarity:
        return None, 0.0
    return best[0], best[2]


def solicited_for(service: object, channel_id: str) -> list[tuple[Message, np.ndarray]]:
    """The channel's survey answers as wants (``service.solicited_wants``, set by the context), else none."""
    provider = getattr(service, "solicited_wants", None)
    return list(provider(channel_id)) if provider is not None else []

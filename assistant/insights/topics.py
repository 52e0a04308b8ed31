"""What each channel talks about and how its audience segments; what each member talks about.

Channel terms are c-TF-IDF across channels; channel topics are k-means clusters of the stored message vectors
(a fixed-seed sample on big channels), labelled with c-TF-IDF across the channel's clusters. A member belongs
to the segment (topic) most of their messages fall into.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.cluster import KMeans

from assistant.domain import Message
from assistant.insights.data import Snapshot
from assistant.insights.labels import distinctive_terms, label_from_terms
from assistant.insights.members import home_channels
from assistant.insights.models import ChannelTopics, MemberInterests, TopicCluster, TopicsReport

VectorLookup = Callable[[Sequence[str]], dict[str, np.ndarray]]

MAX_MESSAGES_PER_CHANNEL = 4000
MIN_TOPIC_MESSAGES = 25


def _sample(msgs: list[Message], limit: int, seed: int = 0) -> list[Message]:
    if len(msgs) <= limit:
        return msgs
    rng = random.Random(seed)
    return sorted(rng.sample(msgs, limit), key=lambda m: float(m.ts))


def channel_topics(
    snap: Snapshot, channel_id: str, vectors: VectorLookup, *, max_topics: int = 6, terms: list[str] | None = None
) -> ChannelTopics:
    msgs = [m for m in snap.by_channel.get(channel_id, []) if len(m.text) >= 12]
    result = ChannelTopics(
        channel_id=channel_id,
        channel_name=snap.channel_name(channel_id),
        messages=len(snap.by_channel.get(channel_id, [])),
        terms=terms or [],
    )
    sample = _sample(msgs, MAX_MESSAGES_PER_CHANNEL)
    stored = vectors([m.key for m in sample]) if sample else {}
    sample = [m for m in sample if m.key in stored]
    n_topics = min(max_topics, len(sample) // MIN_TOPIC_MESSAGES)
    if n_topics < 2:
        return result
    mat = np.stack([stored[m.key] for m in sample])
    labels = KMeans(n_clusters=n_topics, n_init=4, random_state=0).fit_predict(mat)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, lab in enumerate(labels):
        groups[int(lab)].append(i)
    cluster_terms = distinctive_terms(
        {str(k): [snap.plain_text(sample[i]) for i in v] for k, v in groups.items()}, top=5
    )
    clusters = []
    member_topics: dict[str, Counter[str]] = defaultdict(Counter)
    for k, idx in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        t = cluster_terms.get(str(k), [])
        label = label_from_terms(t, fallback=f"topic {k + 1}")
        centroid = mat[idx].mean(axis=0)
        order = sorted(idx, key=lambda i: -float(mat[i] @ centroid))
        authors = Counter(sample[i].user_id for i in idx if sample[i].user_id)
        for uid, c in authors.items():
            if uid:
                member_topics[uid][label] += c
        clusters.append(
            TopicCluster(
                label=label,
                terms=t,
                size=len(idx),
                members=[snap.member_name(u) for u, _ in authors.most_common(5)],
                representatives=[snap.cite(sample[i]) for i in order[:2]],
            )
        )
    segments: dict[str, list[str]] = defaultdict(list)
    for uid, topic_counts in member_topics.items():
        if sum(topic_counts.values()) >= 2:
            segments[topic_counts.most_common(1)[0][0]].append(snap.member_name(uid))
    result.clusters = clusters
    result.segments = {k: sorted(v) for k, v in segments.items()}
    return result


def topics_report(
    snap: Snapshot, vectors: VectorLookup, *, channel_id: str | None = None, members: int = 20
) -> TopicsReport:
    channel_terms = distinctive_terms(
        {cid: [m.text for m in _sample(ms, MAX_MESSAGES_PER_CHANNEL)] for cid, ms in snap.by_channel.items()},
        top=8,
    )
    ids = [channel_id] if channel_id else sorted(snap.by_channel, key=lambda c: snap.channel_name(c))
    report = TopicsReport(
        channels=[channel_topics(snap, cid, vectors, terms=channel_terms.get(cid, [])) for cid in ids]
    )
    by_user: dict[str, list[Message]] = defaultdict(list)
    for m in snap.messages:
        if m.user_id and (channel_id is None or m.channel_id == channel_id):
            by_user[m.user_id].append(m)
    top_users = sorted(by_user, key=lambda u: (-len(by_user[u]), u))[:members]
    member_terms = distinctive_terms(
        {u: [snap.plain_text(m) for m in by_user[u][-500:]] for u in top_users}, top=6
    )
    home = home_channels(snap)
    report.members = [
        MemberInterests(
            user_id=u,
            name=snap.member_name(u),
            messages=len(by_user[u]),
            home_channel=snap.channel_name(home.get(u, "")),
            terms=member_terms.get(u, []),
        )
        for u in top_users
    ]
    return report

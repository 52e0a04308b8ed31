"""Hybrid retrieval for Q&A: embedding hits from Chroma (metadata filters) fused with BM25 keyword hits, only
among the messages the asker may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.domain import Message
from assistant.insights.data import Snapshot
from assistant.insights.questions import ParsedQuestion

if TYPE_CHECKING:
    from assistant.insights.service import InsightsService
    from assistant.store.index import Index

SEARCH_K = 8
SEARCH_MIN_SIMILARITY = 0.25


def retrieve(
    insights: InsightsService, index: Index, parsed: ParsedQuestion, snap: Snapshot, k: int
) -> list[tuple[Message, float]]:
    """Up to ``k`` messages with their similarity (0.0 for keyword-only hits), best first."""
    channel_ids = parsed.channel_ids or sorted(snap.channels)
    if not channel_ids:
        return []
    window = parsed.window
    from assistant.insights.keywords import fuse
    from assistant.store.index import MessageFilter

    filters = MessageFilter(
        channel_ids=channel_ids,
        user_id=parsed.author_id,
        since=window.start if window else None,
        until=window.end if window else None,
    )
    query = parsed.topic or parsed.text
    hits = index.search_messages(query, k=k * 3, filters=filters)
    allowed_channels = set(channel_ids)
    known = {(m.channel_id, m.ts): m for cid in channel_ids for m in snap.by_channel.get(cid, [])}
    semantic: dict[str, tuple[Message, float]] = {}
    for h in hits:
        m = known.get((h.channel_id, h.ts))  # only messages the asker may see and that still exist
        if m is not None and h.similarity >= SEARCH_MIN_SIMILARITY:
            semantic[m.key] = (m, round(h.similarity, 3))

    def allowed(m: Message) -> bool:
        return (
            m.channel_id in allowed_channels
            and (parsed.author_id is None or m.user_id == parsed.author_id)
            and (window is None or window.contains(m.time))
            and (m.channel_id, m.ts) in known
        )

    keyword = insights.keyword_index().search(query, k * 3, allowed)
    by_key = {**{m.key: (m, 0.0) for m, _ in keyword}, **semantic}
    ranked = fuse([list(semantic), [m.key for m, _ in keyword]], k)
    return [by_key[key] for key in ranked]

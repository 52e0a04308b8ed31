"""Intent "search": what was said about a topic (hybrid retrieval), with who said it and where."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel, Field

from assistant.insights.data import Snapshot
from assistant.insights.intents.base import Draft, Facts, Sources
from assistant.insights.questions import ParsedQuestion
from assistant.insights.retrieval import SEARCH_K, retrieve


class HitFact(BaseModel):
    ref: int
    channel: str
    user: str
    date: str
    text: str
    similarity: float


class SearchFacts(Facts):
    topic: str | None
    hits: list[HitFact] = Field(default_factory=list)
    count: int = 0
    by_channel: dict[str, int] = Field(default_factory=dict, description="hits per channel, most first")
    people: int = 0


def draft(src: Sources, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> Draft:
    found = retrieve(src.insights, src.index, parsed, snap, k=SEARCH_K)
    facts = SearchFacts(topic=parsed.topic)
    d = Draft("search", facts)
    for m, sim in found:
        facts.hits.append(
            HitFact(
                ref=d.cite(snap, m),
                channel=snap.channel_name(m.channel_id),
                user=snap.member_name(m.user_id),
                date=m.time.date().isoformat(),
                text=m.text,
                similarity=sim,
            )
        )
    facts.count = len(found)
    facts.by_channel = dict(Counter(h.channel for h in facts.hits).most_common())
    facts.people = len({h.user for h in facts.hits})
    return d

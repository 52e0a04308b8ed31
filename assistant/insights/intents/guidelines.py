"""Intent "guidelines": the community guideline clauses that apply to a question, and related messages."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from assistant.insights.data import Snapshot
from assistant.insights.intents.base import Draft, Facts, Sources
from assistant.insights.questions import ParsedQuestion
from assistant.insights.retrieval import retrieve


class ClauseFact(BaseModel):
    number: int | str | None = Field(description="the clause number (as stored in the index's metadata)")
    title: str | None
    text: str
    similarity: float


class RelatedFact(BaseModel):
    ref: int
    similarity: float


class GuidelinesFacts(Facts):
    clauses: list[ClauseFact]
    related: list[RelatedFact] = Field(default_factory=list)


def draft(src: Sources, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> Draft:
    hits = src.index.search_guidelines(parsed.text, k=3)
    facts = GuidelinesFacts(
        clauses=[
            ClauseFact(
                number=h.metadata.get("number"),
                title=h.metadata.get("title"),
                text=h.text,
                similarity=round(h.similarity, 3),
            )
            for h in hits
        ]
    )
    d = Draft("guidelines", facts)
    related = retrieve(src.insights, src.index, parsed, snap, k=3)
    facts.related = [RelatedFact(ref=d.cite(snap, m), similarity=s) for m, s in related]
    return d

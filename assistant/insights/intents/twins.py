"""Intent "twins": members to introduce to each other (peers, or a mentor and a mentee), with the messages behind
each pair. Loaded only when asked (twinning pulls in scikit-learn's stop words)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from assistant.domain import Citation
from assistant.insights import members as members_mod
from assistant.insights.data import Snapshot
from assistant.insights.intents.base import Draft, Facts, Sources
from assistant.insights.questions import ParsedQuestion
from assistant.insights.twinning import TwinPair, open_flag_members


class TwinFact(TwinPair):
    citations: list[Citation] = Field(default_factory=list, exclude=True)
    refs: list[int]


class TwinsFacts(Facts):
    pairs: list[TwinFact] = Field(default_factory=list)


def draft(src: Sources, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> Draft:
    flagged = open_flag_members(src.insights.archive)
    pairs = members_mod.twins(snap, src.insights.vectors, k=5, flagged=flagged)
    facts = TwinsFacts()
    d = Draft("twins", facts)
    for t in pairs:
        refs = [d.cite_named(snap, x) for x in t.citations]
        facts.pairs.append(TwinFact(**dict(t), refs=refs))
    return d

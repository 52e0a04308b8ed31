"""Intent "newcomers": members new to the workspace whose first message got no reply (and how many did)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from assistant.domain import Citation
from assistant.insights import members as members_mod
from assistant.insights.data import Snapshot
from assistant.insights.intents.base import Draft, Facts, Sources
from assistant.insights.models import Newcomer
from assistant.insights.questions import ParsedQuestion


class NewcomerFact(Newcomer):
    first_message: Citation = Field(exclude=True)
    ref: int


class NewcomersFacts(Facts):
    newcomer_days: int
    unanswered: list[NewcomerFact] = Field(default_factory=list)
    answered: int = 0
    total: int = 0


def draft(src: Sources, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> Draft:
    everyone = members_mod.unanswered_newcomers(
        snap, at=now, newcomer_days=src.insights.newcomer_days, include_answered=True
    )
    if parsed.channel_ids:  # new to the workspace, first posted in the asked channels
        everyone = [n for n in everyone if n.channel_id in parsed.channel_ids]
    facts = NewcomersFacts(newcomer_days=src.insights.newcomer_days)
    d = Draft("newcomers", facts)
    for n in everyone:
        if n.answered:
            facts.answered += 1
            continue
        facts.unanswered.append(NewcomerFact(**dict(n), ref=d.cite_existing(n.first_message, n.channel_id)))
    facts.total = len(everyone)
    return d

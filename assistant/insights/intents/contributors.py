"""Intent "contributors": members to recognise, with the messages behind their score."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from assistant.domain import Citation
from assistant.insights import members as members_mod
from assistant.insights.data import Snapshot
from assistant.insights.intents.base import Draft, Facts, Sources
from assistant.insights.models import Contributor
from assistant.insights.questions import ParsedQuestion


class ContributorFact(Contributor):
    citations: list[Citation] = Field(default_factory=list, exclude=True)
    refs: list[int]


class ContributorsFacts(Facts):
    members: list[ContributorFact] = Field(default_factory=list)


def draft(src: Sources, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> Draft:
    scoped = snap.restrict(parsed.channel_ids) if parsed.channel_ids else snap
    since = parsed.window.start if parsed.window else None
    top = members_mod.top_contributors(scoped, since=since, at=now, k=5)
    facts = ContributorsFacts()
    d = Draft("contributors", facts)
    for c in top:
        refs = [d.cite_named(snap, x) for x in c.citations]
        facts.members.append(ContributorFact(**dict(c), refs=refs))
    return d

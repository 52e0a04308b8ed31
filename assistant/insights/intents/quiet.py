"""Intent "quiet": members who were regularly active and went quiet, with their last message cited."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from assistant.domain import Citation
from assistant.insights import members as members_mod
from assistant.insights.data import Snapshot
from assistant.insights.intents.base import Draft, Facts, Sources
from assistant.insights.models import QuietMember
from assistant.insights.questions import ParsedQuestion


class QuietFact(QuietMember):
    last_message: Citation | None = Field(default=None, exclude=True)
    ref: int | None


class QuietFacts(Facts):
    quiet_weeks: int
    members: list[QuietFact] = Field(default_factory=list)


def draft(src: Sources, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> Draft:
    scoped = snap.restrict(parsed.channel_ids) if parsed.channel_ids else snap
    found = members_mod.quiet_members(scoped, at=now, quiet_weeks=src.insights.quiet_weeks)
    facts = QuietFacts(quiet_weeks=src.insights.quiet_weeks)
    d = Draft("quiet", facts)
    for q in found:
        ref = None
        if q.last_message is not None:
            ref = d.cite_named(snap, q.last_message)
        facts.members.append(QuietFact(**dict(q), ref=ref))
    return d

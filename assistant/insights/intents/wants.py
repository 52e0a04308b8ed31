"""Intent "wants": what channels ask for, as themes (with who asked and the trend) and one-off requests."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from assistant.insights.data import Snapshot
from assistant.insights.intents.base import Draft, Facts, Sources, targets
from assistant.insights.questions import ParsedQuestion
from assistant.insights.wants import channel_wants, solicited_for


class WantThemeFact(BaseModel):
    label: str
    size: int
    distinct_members: int
    members: list[str] = Field(description="member names")
    member_ids: list[str]
    trend: str
    ts: list[str]
    solicited: int
    refs: list[int]


class OneOffFact(BaseModel):
    text: str
    ts: str
    ref: int


class ChannelWantsFact(BaseModel):
    channel: str
    wants: int
    solicited: int
    themes: list[WantThemeFact]
    one_offs: list[OneOffFact] = Field(description="at most three")
    one_off_count: int


class WantsFacts(Facts):
    per_channel: list[ChannelWantsFact] = Field(default_factory=list)


def draft(src: Sources, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> Draft:
    facts = WantsFacts()
    d = Draft("wants", facts)
    for cid in targets(parsed, snap):
        solicited = solicited_for(src.insights, cid)  # survey answers: wants the channel was asked for
        cw = channel_wants(
            snap, cid, src.insights.vectors, threshold=src.insights.want_threshold, at=now, solicited=solicited
        )
        if parsed.window is not None:
            cw.themes = [t for t in cw.themes if t.last >= parsed.window.start]
        if not cw.wants and not parsed.channel_ids:
            continue
        themes = [
            WantThemeFact(
                label=t.label,
                size=t.size,
                distinct_members=t.distinct_members,
                members=t.member_names,
                member_ids=t.members,
                trend=t.trend,
                ts=t.ts,
                solicited=t.solicited,
                refs=[d.cite_existing(c, cid) for c in t.representatives],
            )
            for t in cw.themes
        ]
        one_offs = [OneOffFact(text=c.text, ts=c.ts, ref=d.cite_existing(c, cid)) for c in cw.one_offs[:3]]
        facts.per_channel.append(
            ChannelWantsFact(
                channel=cw.channel_name,
                wants=cw.wants,
                solicited=cw.solicited,
                themes=themes,
                one_offs=one_offs,
                one_off_count=len(cw.one_offs),
            )
        )
    return d

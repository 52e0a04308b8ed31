"""Intent "topics": what each channel talks about (terms and clusters, one cited message per cluster). Loaded only
when asked (topics cluster with scikit-learn)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from assistant.insights.data import Snapshot
from assistant.insights.intents.base import Draft, Facts, Sources, targets
from assistant.insights.questions import ParsedQuestion
from assistant.insights.topics import topics_report


class ClusterFact(BaseModel):
    label: str
    size: int
    members: list[str] = Field(description="at most three")
    refs: list[int]


class ChannelTopicsFact(BaseModel):
    channel: str
    messages: int
    terms: list[str]
    clusters: list[ClusterFact]


class TopicsFacts(Facts):
    per_channel: list[ChannelTopicsFact] = Field(default_factory=list)


def draft(src: Sources, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> Draft:
    facts = TopicsFacts()
    d = Draft("topics", facts)
    for cid in targets(parsed, snap):
        report = topics_report(snap, src.insights.vectors, channel_id=cid, members=5)
        for ct in report.channels:
            clusters = [
                ClusterFact(
                    label=cl.label,
                    size=cl.size,
                    members=cl.members[:3],
                    refs=[d.cite_existing(x, cid) for x in cl.representatives[:1]],
                )
                for cl in ct.clusters
            ]
            facts.per_channel.append(
                ChannelTopicsFact(channel=ct.channel_name, messages=ct.messages, terms=ct.terms, clusters=clusters)
            )
    return d

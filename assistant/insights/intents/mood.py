"""Intent "mood": how channels felt in a window (this month by default), with the surest positive and negative
message as examples."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from assistant.insights.data import Snapshot
from assistant.insights.intents.base import Draft, Facts, Sources, targets
from assistant.insights.metrics import mix_of, sentiment_mix, window_stats
from assistant.insights.models import SentimentMix
from assistant.insights.periods import Window, to_date
from assistant.insights.questions import ParsedQuestion


class MoodExample(BaseModel):
    label: Literal["positive", "negative"]
    ref: int


class ChannelMoodFact(BaseModel):
    """A channel's message count and its ``SentimentMix`` (flattened), with examples."""

    channel: str
    messages: int
    judged: int
    positive: float
    neutral: float
    negative: float
    net: float
    mood: str
    summary: str
    examples: list[MoodExample]

    @classmethod
    def of(cls, channel: str, messages: int, mix: SentimentMix, examples: list[MoodExample]) -> ChannelMoodFact:
        return cls(channel=channel, messages=messages, **mix.model_dump(), examples=examples)


class MoodFacts(Facts):
    per_channel: list[ChannelMoodFact] = Field(default_factory=list)
    window_label: str = ""
    window_kind: str = ""


def draft(src: Sources, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> Draft:
    window = parsed.window or to_date("month", now)
    facts = MoodFacts()
    d = Draft("mood", facts)
    for cid in targets(parsed, snap):
        if snap.aggregates is not None:
            _from_aggregates(d, facts, parsed, snap, cid, window)
            continue
        msgs = snap.in_window(window.start, window.end, cid)
        if parsed.author_id:
            msgs = [m for m in msgs if m.user_id == parsed.author_id]
        if not msgs and not parsed.channel_ids:
            continue
        mix = sentiment_mix(snap, msgs)
        judged = [(m, j) for m in msgs if (j := snap.judgment(m)) is not None]
        refs = []
        for label in ("positive", "negative"):
            pool = [(m, j.sentiment.probs.get(label, 0.0)) for m, j in judged if j.sentiment.mood_label == label]
            if pool:
                best = max(pool, key=lambda p: (p[1], float(p[0].ts)))[0]
                refs.append(MoodExample(label=label, ref=d.cite(snap, best)))
        facts.per_channel.append(ChannelMoodFact.of(snap.channel_name(cid), len(msgs), mix, refs))
    facts.window_label = window.label
    facts.window_kind = window.kind
    return d


def _from_aggregates(
    d: Draft, facts: MoodFacts, parsed: ParsedQuestion, snap: Snapshot, cid: str, window: Window
) -> None:
    """One channel's mood from the day aggregates; its examples are the window's most surely positive and
    negative messages, found by SQL (one row each)."""
    assert snap.aggregates is not None
    stats = window_stats(snap, cid, window, parsed.author_id)
    if not stats.messages and not parsed.channel_ids:
        return
    mix = mix_of(stats.positive, stats.neutral, stats.negative)
    refs = []
    for label in ("positive", "negative"):
        ts = snap.aggregates.best(
            cid,
            window.start.timestamp(),
            window.end.timestamp(),
            order="mood",
            mood=label,
            user_id=parsed.author_id,
        )
        found = snap.find(cid, ts)
        if found is not None:
            refs.append(MoodExample(label=label, ref=d.cite(snap, found)))
    facts.per_channel.append(ChannelMoodFact.of(snap.channel_name(cid), stats.messages, mix, refs))

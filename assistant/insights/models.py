"""Pydantic records the insight services return: metrics, members, wants, topics, answers, digests.

They are the boundary between the core services and the adapters (CLI, Slack app, report), so every field is
plain data that serialises to JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, SerializeAsAny, computed_field

from assistant.domain import Citation
from assistant.insights.periods import TICK, CalendarUnit, Window, WindowKind

#: A mix is "mostly" one label when more than this share of the judged messages has it.
MOSTLY = 0.6

Mood = Literal["positive", "negative", "neutral", "mixed", "unknown"]
Trend = Literal["new", "rising", "steady", "fading"]


class SentimentMix(BaseModel):
    """Shares of judged messages by sentiment label, and the mood word managers read."""

    judged: int = 0
    positive: float = 0.0
    neutral: float = 0.0
    negative: float = 0.0
    net: float = Field(default=0.0, description="positive share minus negative share")
    mood: Mood = "unknown"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> str:
        """The mix as people say it: "mostly neutral, 2 positive, one negative"."""
        if not self.judged:
            return "no judged messages"
        counts = {
            label: round(getattr(self, label) * self.judged) for label in ("neutral", "positive", "negative")
        }
        parts = []
        lead = max(counts, key=lambda k: counts[k])
        if counts[lead] == self.judged or counts[lead] > MOSTLY * self.judged:
            parts.append("all " + lead if counts[lead] == self.judged else "mostly " + lead)
            counts.pop(lead)
        for label, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            if n:
                parts.append(f"{'one' if n == 1 else n} {label}")
        return ", ".join(parts)


class WindowInfo(BaseModel):
    """Which time window numbers cover, in the words the answers, the digest and the Home tab print (made by
    ``assistant.insights.periods``, so the words always match the window computed)."""

    kind: WindowKind
    label: str = Field(description='e.g. "the past 7 days", "this week", "last week", "in March 2019"')
    short: str = Field(description='fits in parentheses: "7 days", "this week", "March 2019"')
    comparison: str = Field(description='the window trends compare with: "the previous 7 days", "the week before"')
    unit: CalendarUnit | None = Field(default=None, description="the calendar unit of a calendar window")

    @classmethod
    def of(cls, window: Window) -> WindowInfo:
        return cls(
            kind=window.kind,
            label=window.label,
            short=window.short or window.label,
            comparison=window.comparison,
            unit=window.unit,
        )


class PeriodCounts(BaseModel):
    """The headline numbers of one window, kept for the previous window so trends can be shown."""

    label: str = ""
    start: datetime
    end: datetime
    messages: int = 0
    active_members: int = 0
    reply_rate: float | None = None
    net_sentiment: float | None = None


class ChannelMetrics(BaseModel):
    """Engagement of one channel (or the whole workspace when ``channel_id`` is None) over one window."""

    channel_id: str | None
    channel_name: str
    window: WindowInfo
    start: datetime
    end: datetime
    messages: int
    active_members: int
    members: int
    participation_rate: float | None
    new_members: list[str] = Field(default_factory=list)
    new_members_first_replied: int = 0
    new_members_first_unanswered: int = 0
    top_level_messages: int = 0
    replied_messages: int = 0
    reply_rate: float | None = None
    median_first_reply_minutes: float | None = None
    reactions_per_message: float | None = None
    threads: int = 0
    mean_thread_depth: float | None = None
    max_thread_depth: int = 0
    sentiment: SentimentMix = Field(default_factory=SentimentMix)
    previous: PeriodCounts | None = None
    trend: dict[str, float | None] = Field(
        default_factory=dict,
        description="messages_pct and active_members_pct (relative change), reply_rate and net_sentiment (difference)",
    )


class Contributor(BaseModel):
    user_id: str
    name: str
    messages: int
    replies_to_others: int
    helpful_replies: int
    reactions_received: int
    active_weeks: int
    longest_streak_weeks: int
    current_streak_weeks: int
    score: float
    citations: list[Citation] = Field(default_factory=list)


class QuietMember(BaseModel):
    user_id: str
    name: str
    last_active: datetime
    silent_weeks: float
    active_weeks_before: int
    messages_before: int
    channels: list[str] = Field(default_factory=list)
    last_message: Citation | None = None


class Newcomer(BaseModel):
    user_id: str
    name: str
    channel_id: str
    channel_name: str
    joined_at: datetime | None
    first_message: Citation
    answered: bool
    waiting_days: float


class Twin(BaseModel):
    """Two members of different channels whose messages are about similar things."""

    a: str
    a_name: str
    a_channel: str
    b: str
    b_name: str
    b_channel: str
    similarity: float
    shared_topics: list[str]
    reason: str
    citations: list[Citation] = Field(default_factory=list)


class WantTheme(BaseModel):
    channel_id: str
    channel_name: str
    label: str
    terms: list[str]
    size: int
    members: list[str]
    member_names: list[str]
    distinct_members: int
    trend: Trend
    recent: int = Field(description="wants in the recent window (last 30 days before 'now')")
    earlier: int = Field(description="wants in the 30 days before that")
    first: datetime
    last: datetime
    representatives: list[Citation]
    ts: list[str] = Field(description="every want message in the theme")
    solicited: int = Field(
        default=0, description="how many of them are answers to a survey (asked for, not volunteered)"
    )


class ChannelWants(BaseModel):
    channel_id: str
    channel_name: str
    wants: int
    solicited: int = Field(default=0, description="wants that are survey answers")
    themes: list[WantTheme] = Field(default_factory=list)
    one_offs: list[Citation] = Field(default_factory=list)

    def citation_view(self) -> dict[str, Any]:
        """The public JSON shape (``assistant wants --json``): themes with their messages as citations."""
        return {
            "channel": self.channel_name,
            "channel_id": self.channel_id,
            "wants": self.wants,
            "solicited": self.solicited,
            "themes": [
                {
                    "label": t.label,
                    "terms": t.terms,
                    "size": t.size,
                    "distinct_members": t.distinct_members,
                    "members": t.members,
                    "trend": t.trend,
                    "citations": [c.model_dump(mode="json", exclude_none=True) for c in t.representatives],
                    "ts": t.ts,
                    "solicited": t.solicited,
                }
                for t in self.themes
            ],
            "one_offs": [c.model_dump(mode="json", exclude_none=True) for c in self.one_offs],
        }


class TopicCluster(BaseModel):
    label: str
    terms: list[str]
    size: int
    members: list[str]
    representatives: list[Citation] = Field(default_factory=list)


class ChannelTopics(BaseModel):
    channel_id: str
    channel_name: str
    messages: int
    terms: list[str]
    clusters: list[TopicCluster] = Field(default_factory=list)
    segments: dict[str, list[str]] = Field(
        default_factory=dict, description="topic label -> member names whose messages are mostly about it"
    )


class MemberInterests(BaseModel):
    user_id: str
    name: str
    messages: int
    home_channel: str
    terms: list[str]


class TopicsReport(BaseModel):
    channels: list[ChannelTopics] = Field(default_factory=list)
    members: list[MemberInterests] = Field(default_factory=list)


class ChannelHealth(BaseModel):
    """What the Slack Home tab shows for one channel: the past 7 days (and the past 30) up to now."""

    channel_id: str
    channel_name: str
    recent: ChannelMetrics
    past_30_days: ChannelMetrics
    top_wants: list[str] = Field(default_factory=list)
    open_flags: int | None = None


class Answer(BaseModel):
    """An answer to a manager's question: text with [n] markers, the messages behind it, and the numbers."""

    answer: str
    citations: list[Citation] = Field(default_factory=list)
    facts: dict[str, Any] = Field(default_factory=dict)


MilestoneKind = Literal[
    "anniversary",
    "first_message",
    "first_helpful_answer",
    "channel_members",
    "channel_messages",
    "solved_question",
]


class Milestone(BaseModel):
    """Something worth celebrating (``assistant.insights.milestones``), with a message a manager may post with one
    click: in ``post_channel``, in the thread of ``post_thread_ts`` when set. Never posted automatically."""

    id: str = Field(description="stable across runs: kind, subject and when")
    kind: MilestoneKind
    at: datetime
    title: str
    suggestion: str = Field(description="the celebration message, Slack mrkdwn (mentions as <@U…>)")
    channel_id: str | None = None
    channel_name: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    count: int | None = Field(default=None, description="the months, members or messages celebrated")
    post_channel: str | None = None
    post_thread_ts: str | None = None
    citation: Citation | None = None


class DigestChannel(BaseModel):
    channel_id: str
    channel_name: str
    metrics: ChannelMetrics
    wants: list[WantTheme] = Field(default_factory=list)
    quiet: list[QuietMember] = Field(default_factory=list)
    newcomers: list[Newcomer] = Field(default_factory=list)
    contributors: list[Contributor] = Field(default_factory=list)


class Digest(BaseModel):
    """The weekly digest of a manager's channels; ``text()`` renders it with ``prompts/digest_weekly.md``."""

    manager_id: str | None = None
    start: datetime
    end: datetime = Field(description="exclusive: the digest covers [start, end)")
    window: WindowInfo
    channels: list[DigestChannel] = Field(default_factory=list)
    workspace: ChannelMetrics | None = None
    milestones: list[Milestone] = Field(default_factory=list)

    @property
    def last_day(self) -> datetime:
        """The last instant the digest covers (``end`` is exclusive: a whole week ends on Monday 00:00)."""
        return self.end - TICK

    def text(self) -> str:
        from assistant.prompts import render_prompt

        return render_prompt("digest_weekly", digest=self)


class MembersOverview(BaseModel):
    """What ``assistant members`` shows: whom to recognise, who went quiet, unanswered newcomers, and who should
    meet (twins, for the whole workspace only)."""

    top_contributors: list[SerializeAsAny[Contributor]]
    quiet: list[SerializeAsAny[QuietMember]]
    unanswered_newcomers: list[SerializeAsAny[Newcomer]]
    #: each shown as the pair it is (``twinning.TwinPair``, with its evidence), as the command always printed it
    twins: list[SerializeAsAny[Twin]]

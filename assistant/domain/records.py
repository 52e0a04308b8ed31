"""Records the services produce: flags, moderation actions, audit events, summaries, insights."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from assistant.domain.judgments import Evidence, Span


class Citation(BaseModel):
    """A message an answer or summary relies on. ``channel`` is a name or id; ``ts`` the message ts."""

    channel: str
    ts: str
    text: str
    permalink: str | None = None
    user: str | None = None


class FlagStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    WARNED = "warned"
    REMOVED = "removed"
    ESCALATED = "escalated"
    FALSE_POSITIVE = "false_positive"
    MESSAGE_DELETED = "message_deleted"


class Flag(BaseModel):
    id: int | None = None
    channel_id: str
    ts: str
    user_id: str | None
    judgment: str
    score: float
    threshold: float
    span: Span | None = None
    refuting_fact: Evidence | None = None
    status: FlagStatus = FlagStatus.OPEN
    created_at: datetime
    shadow: bool = False


class ModerationActionKind(StrEnum):
    DISMISS = "dismiss"
    WARN = "warn"
    REMOVE = "remove"
    ESCALATE = "escalate"
    FALSE_POSITIVE = "false_positive"


class AuditEvent(BaseModel):
    """One line of the append-only audit log: who did what, to what, when and why."""

    id: int | None = None
    at: datetime
    actor: str
    action: str
    target: str = ""
    reason: str = ""
    details: dict[str, Any] = Field(default_factory=dict)


class SummaryPoint(BaseModel):
    """One line of a summary and the message it comes from (``ts``); ``user`` is its author or, for an
    action item, its owner."""

    text: str
    ts: str
    user: str | None = None
    sources: list[str] = Field(default_factory=list, description="ts of every message the line relies on")


class Summary(BaseModel):
    channel_id: str
    thread_ts: str | None = None
    gist: str
    key_points: list[SummaryPoint] = Field(default_factory=list)
    decisions: list[SummaryPoint] = Field(default_factory=list)
    open_questions: list[SummaryPoint] = Field(default_factory=list)
    action_items: list[SummaryPoint] = Field(default_factory=list)
    resolved: bool | None = Field(default=None, description="help threads: solved or not; None when nobody asked")
    resolution: SummaryPoint | None = Field(
        default=None, description="the reply that solved it and who gave it (user), or the last state"
    )
    participants: list[str] = Field(default_factory=list)
    mood: dict[str, Any] = Field(default_factory=dict)
    method: str = "local"
    gist_sources: list[str] = Field(default_factory=list, description="ts of the messages the gist relies on")
    message_count: int = 0
    first_ts: str | None = None
    last_ts: str | None = None
    notes: list[str] = Field(default_factory=list, description="e.g. why an LLM summary fell back to local")
    encoded: int = Field(
        default=0,
        exclude=True,  # how the summary was made, not what it says: left out of JSON and the Slack blocks
        description="messages encoded for this summary because the index held no vector for them",
    )

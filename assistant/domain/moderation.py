"""Moderation records the store keeps: flags with their evidence, moderator actions and policy overrides.

They live with the domain (not in ``assistant.moderation``) so the store's moderation repository returns them
without importing a service; ``assistant.moderation.models`` re-exports them for everyone else.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from assistant.domain.records import Flag, ModerationActionKind


class PolicyOverride(BaseModel):
    """What a moderator changed for one channel (or the workspace); unset fields inherit."""

    enabled: bool | None = None
    shadow: bool | None = None
    exempt: bool | None = None
    thresholds: dict[str, float | None] = Field(
        default_factory=dict, description="judgment -> threshold; None switches that judgment off here"
    )
    calibration: dict[str, float] = Field(
        default_factory=dict, description="judgment -> offset learned from moderator decisions"
    )
    exempt_members: list[str] = Field(default_factory=list)
    allow_terms: list[str] = Field(default_factory=list)
    misinformation_needs_evidence: bool | None = None


class ClauseRef(BaseModel):
    """A guideline clause shown verbatim with its number."""

    number: int
    title: str
    text: str
    similarity: float | None = None

    @property
    def id(self) -> str:
        return f"clause-{self.number}"

    def cite(self) -> str:
        return f"§{self.number} {self.title}: {self.text}"


class SimilarFlag(BaseModel):
    """A past flag on a similar message, with how it was decided."""

    flag_id: int
    channel_id: str
    ts: str
    excerpt: str
    judgment: str
    similarity: float
    status: str
    decision: str | None = None


class FlagRecord(Flag):
    """A stored flag: the domain ``Flag`` plus what moderators need to trust it at a glance."""

    thread_ts: str | None = None
    excerpt: str = ""
    scores: dict[str, float] = Field(default_factory=dict)
    crossed: list[str] = Field(default_factory=list, description="every judgment over its threshold")
    categories: dict[str, float] = Field(
        default_factory=dict, description="clear toxicity categories (insult, hostile, condescending, ...)"
    )
    clause_ref: ClauseRef | None = None
    similar_flags: list[SimilarFlag] = Field(default_factory=list)
    alert_id: int | None = None
    message_deleted: bool = False
    edits: int = 0
    decision: str | None = None
    decided_by: str | None = None
    updated_at: datetime | None = None


class ActionRecord(BaseModel):
    """One moderator action (or attempt) on a flag; append-only."""

    id: int | None = None
    flag_id: int
    kind: ModerationActionKind
    actor: str
    at: datetime
    note: str = ""
    ok: bool = True
    message: str = ""

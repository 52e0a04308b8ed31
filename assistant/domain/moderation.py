"""Moderation records the store keeps (flags with their evidence, moderator actions, policy overrides) and the
alert they make for moderators, which the pipeline hands back to the adapter that started a batch.

They live with the domain (not in ``assistant.moderation``) so the store's moderation repository returns them
without importing a service; ``assistant.moderation.models`` re-exports them for everyone else.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from assistant.domain.judgments import Evidence, Span
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


class Clause(BaseModel):
    """One citable guideline clause, e.g. number 2, "No harassment" (``knowledge/guidelines.md``)."""

    number: int
    title: str
    text: str

    @property
    def id(self) -> str:
        return f"clause-{self.number}"

    def cite(self) -> str:
        return f"§{self.number} {self.title}: {self.text}"


class ClauseRef(Clause):
    """A guideline clause as a flag shows it: verbatim with its number, and how close the message came to it."""

    similarity: float | None = None


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


#: How ``Clause.cite`` writes a clause: what an earlier flag's ``clause`` evidence holds.
_CITED = re.compile(r"§(\d+) (.+?): (.*)", re.DOTALL)


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

    @model_validator(mode="before")
    @classmethod
    def _earlier_names(cls, data: Any) -> Any:
        """Flags stored before each of these was kept once also hold ``similar`` (the past flags of
        ``similar_flags``) and ``clause`` (the cited clause as evidence: ``§n title: text``): read them where the
        one field is missing, never keep them twice."""
        if not isinstance(data, dict) or not {"clause", "similar"} & data.keys():
            return data
        data = dict(data)
        similar, clause = data.pop("similar", None), data.pop("clause", None)
        if similar and not data.get("similar_flags"):
            data["similar_flags"] = similar
        cited = _CITED.fullmatch(str(clause.get("text") or "")) if isinstance(clause, dict) else None
        if cited and isinstance(clause, dict) and not data.get("clause_ref"):
            data["clause_ref"] = {
                "number": int(cited[1]),
                "title": cited[2],
                "text": cited[3],
                "similarity": clause.get("similarity"),
            }
        return data


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


class Alert(BaseModel):
    """What moderators see: one alert per message, or one for a burst from a member or a thread."""

    alert_id: int
    channel_id: str
    channel_name: str | None = None
    author_id: str | None = None
    author_name: str | None = None
    thread_ts: str | None = None
    flags: list[FlagRecord]
    excerpt: str
    judgment: str
    scores: dict[str, float]
    categories: dict[str, float] = Field(default_factory=dict)
    span: Span | None = None
    clause: ClauseRef | None = None
    refuting_fact: Evidence | None = None
    similar: list[SimilarFlag] = Field(default_factory=list)
    removal_available: bool
    removal_hint: str | None = None
    status: str
    history: list[ActionRecord] = Field(default_factory=list)
    is_update: bool = Field(default=False, description="an existing alert changed: update it, do not post anew")
    grouped: int = 1

    @property
    def flag_ids(self) -> list[int]:
        return [f.id for f in self.flags if f.id is not None]

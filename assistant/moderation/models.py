"""Pydantic models at the moderation boundary: policies, flags with evidence, alerts, outcomes, reports.

The Slack app renders ``Alert`` and ``ActionOutcome``; the CLI prints ``ReplayReport`` and
``CalibrationReport``.
Keeping them here (not in the service) lets adapters import them without pulling in the store. The records the
store keeps (flags, actions, policy overrides) are declared in ``assistant.domain.moderation`` and re-exported.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.domain.moderation import ActionRecord, Alert, ClauseRef, FlagRecord, PolicyOverride, SimilarFlag
from assistant.domain.records import ModerationActionKind

__all__ = [
    "NEGATIVE_DECISIONS",
    "POSITIVE_DECISIONS",
    "WORKSPACE",
    "ActionOutcome",
    "ActionRecord",
    "Agreement",
    "Alert",
    "CalibrationReport",
    "ChannelPolicy",
    "ClauseRef",
    "DailyVolume",
    "FlagRecord",
    "PolicyOverride",
    "ReplayFlag",
    "ReplayReport",
    "SimilarFlag",
    "ThresholdChange",
]

#: The workspace-wide policy row; channel rows override it.
WORKSPACE = "*"

#: Decisions that say "this flag was right" / "this flag was wrong" (dismiss = no action needed).
POSITIVE_DECISIONS = frozenset(
    {ModerationActionKind.WARN, ModerationActionKind.REMOVE, ModerationActionKind.ESCALATE}
)
NEGATIVE_DECISIONS = frozenset({ModerationActionKind.DISMISS, ModerationActionKind.FALSE_POSITIVE})


class ChannelPolicy(BaseModel):
    """The resolved policy of one channel: defaults <- workspace override <- channel override."""

    channel_id: str
    channel_name: str | None = None
    enabled: bool = True
    shadow: bool = False
    exempt: bool = False
    thresholds: dict[str, float] = Field(description="base thresholds of the judgments that flag here")
    calibration: dict[str, float] = Field(default_factory=dict)
    exempt_members: list[str] = Field(default_factory=list)
    allow_terms: list[str] = Field(default_factory=list)
    misinformation_needs_evidence: bool = Field(
        default=True,
        description="flag misinformation only when it matches a known false claim (so a fact refutes it)",
    )
    floor: float = 0.0
    ceiling: float = 1.0

    def threshold(self, judgment: str) -> float | None:
        """Effective threshold (base + calibration, within bounds); None when the judgment does not flag."""
        base = self.thresholds.get(judgment)
        if base is None:
            return None
        offset = self.calibration.get(judgment, 0.0)
        if offset == 0.0:
            return base
        return round(min(self.ceiling, max(self.floor, base + offset)), 4)

    @property
    def effective(self) -> dict[str, float]:
        return {name: t for name in self.thresholds if (t := self.threshold(name)) is not None}

    @property
    def active(self) -> bool:
        """Whether messages here are judged against the policy at all."""
        return self.enabled and not self.exempt

    def allows(self, text: str) -> bool:
        """Whether ``text`` (a driving span) consists of allow-listed wording and so must not flag."""
        folded = text.casefold()
        return any(term.casefold() in folded for term in self.allow_terms if term.strip())


class ActionOutcome(BaseModel):
    ok: bool
    refused: bool = False
    message: str
    flag: FlagRecord | None = None
    alert: Alert | None = None
    text_sent: str | None = Field(default=None, description="the warning text, when one was written")


class ReplayFlag(BaseModel):
    channel: str
    ts: str
    judgment: str
    score: float
    clause: str | None = None


class Agreement(BaseModel):
    """How a proposed policy agrees with past moderator decisions (decided flags only)."""

    decided: int = 0
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None


class ReplayReport(BaseModel):
    channel: str | None = None
    since_days: float | None = None
    overrides: dict[str, float] = Field(default_factory=dict)
    judged: int = 0
    rejudged: int = 0
    flagged: list[ReplayFlag] = Field(default_factory=list)
    alerts: int = 0
    current_flagged: int = 0
    added: list[ReplayFlag] = Field(default_factory=list)
    dropped: list[ReplayFlag] = Field(default_factory=list)
    by_channel: dict[str, int] = Field(default_factory=dict)
    agreement: Agreement = Field(default_factory=Agreement)


class ThresholdChange(BaseModel):
    channel_id: str
    channel_name: str | None = None
    judgment: str
    decided: int
    positives: int
    false_positives: int
    before: float
    after: float
    offset: float
    reason: str
    flags_kept: int = Field(description="decided flags still over the new threshold")
    false_positives_avoided: int
    true_flags_lost: int


class CalibrationReport(BaseModel):
    changes: list[ThresholdChange] = Field(default_factory=list)
    allow_suggestions: list[dict[str, Any]] = Field(default_factory=list)
    applied: bool = False


class DailyVolume(BaseModel):
    channel_id: str
    channel_name: str | None = None
    day: str
    alerts: int
    flags: int

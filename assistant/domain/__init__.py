"""Domain models shared by every layer: plain pydantic records, no I/O."""

from assistant.domain.judgments import (
    Evidence,
    Judgment,
    MisinformationJudgment,
    SentimentJudgment,
    Span,
    ToxicityJudgment,
    WantJudgment,
)
from assistant.domain.records import (
    AuditEvent,
    Citation,
    Flag,
    FlagStatus,
    ModerationActionKind,
    Summary,
    SummaryPoint,
)
from assistant.domain.workspace import (
    Channel,
    Edit,
    FileRef,
    Member,
    Message,
    Reaction,
    Thread,
    Workspace,
    ts_to_datetime,
)

__all__ = [
    "AuditEvent",
    "Channel",
    "Citation",
    "Edit",
    "Evidence",
    "FileRef",
    "Flag",
    "FlagStatus",
    "Judgment",
    "Member",
    "Message",
    "MisinformationJudgment",
    "ModerationActionKind",
    "Reaction",
    "SentimentJudgment",
    "Span",
    "Summary",
    "SummaryPoint",
    "Thread",
    "ToxicityJudgment",
    "WantJudgment",
    "Workspace",
    "ts_to_datetime",
]

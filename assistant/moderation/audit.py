"""Audit log helpers: one function to record moderation events, exports (CSV, JSON lines), and the scrub that
retention applies to events about deleted messages.

The log itself lives in the archive's append-only ``audit_log`` table. Its one rewrite is ``scrub_deleted``: once
a message is gone (retention), the events about it keep the decision (action, actor, target, the statuses and
scores, the guideline) but lose what quoted or named its author (the span, the excerpt, the author's id, free-text
notes and results, which can quote the words or mention the member).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from assistant.domain import AuditEvent
from assistant.store import Archive

AuditFormat = Literal["csv", "jsonl"]
CSV_COLUMNS = ("id", "at", "actor", "action", "target", "reason", "details")

#: Details an event about a deleted message keeps: the decision and its grounds, nothing quoted, no author.
KEPT_DETAILS = frozenset(
    {
        "channel_id",
        "ts",
        "kind",
        "ok",
        "status_before",
        "status_after",
        "scores",
        "score",
        "clause",
        "shadow",
        "alert_id",
        "judgment",
    }
)
#: Actions whose reason the assistant writes itself from scores ("toxicity 0.91 >= 0.70"): kept. Any other
#: reason is a person's note or a result sentence that can quote the message or mention its author: removed.
GENERATED_REASONS = frozenset({"flag_created", "flag_rejudged", "flag_message_deleted"})
REMOVED_REASON = "(removed with the message)"
SCRUBBED = "scrubbed"


def record(archive: Archive, actor: str, action: str, target: str, reason: str = "", **details: Any) -> AuditEvent:
    return archive.append_audit(event(actor, action, target, reason, **details))


def event(actor: str, action: str, target: str, reason: str = "", **details: Any) -> AuditEvent:
    """An event as ``record`` appends it, for a caller that appends it in its own transaction."""
    return AuditEvent(
        at=datetime.now(UTC), actor=actor, action=action, target=target, reason=reason, details=details
    )


def export(events: Sequence[AuditEvent], fmt: AuditFormat) -> str:
    """The events as CSV (details as a JSON column) or as JSON lines, oldest first."""
    if fmt == "jsonl":
        return "".join(e.model_dump_json() + "\n" for e in events)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in events:
        writer.writerow(
            [
                e.id,
                e.at.isoformat(),
                e.actor,
                e.action,
                e.target,
                e.reason,
                json.dumps(e.details, sort_keys=True),
            ]
        )
    return buffer.getvalue()


def redact_for_deleted_message(event: AuditEvent) -> AuditEvent:
    """``event`` without the quoted words and the author of the message it is about (see the module docstring);
    idempotent."""
    details: dict[str, Any] = {}
    for key, value in event.details.items():
        if key in KEPT_DETAILS:
            details[key] = value
        elif key in ("before", "after") and isinstance(value, dict):  # a re-judgment: keep the scores only
            details[key] = {k: v for k, v in value.items() if k in ("score", "scores")}
    details[SCRUBBED] = "message deleted"
    reason = event.reason if event.action in GENERATED_REASONS or not event.reason else REMOVED_REASON
    return event.model_copy(update={"reason": reason, "details": details})


def scrub_deleted(archive: Archive, targets: Iterable[str]) -> int:
    """Scrub every audit event about the given targets (the flags of deleted messages, ``flag:<id>``); returns
    how many rows changed."""
    events = archive.audit_for_targets(targets)
    return archive.redact_audit(redact_for_deleted_message(e) for e in events)

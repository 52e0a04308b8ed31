"""Audit log helpers: one function to record moderation events, and exports (CSV, JSON lines).

The log itself lives in the archive's append-only ``audit_log`` table; nothing here updates or deletes it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from assistant.domain import AuditEvent
from assistant.store import Archive

AuditFormat = Literal["csv", "jsonl"]
CSV_COLUMNS = ("id", "at", "actor", "action", "target", "reason", "details")


def record(archive: Archive, actor: str, action: str, target: str, reason: str = "", **details: Any) -> AuditEvent:
    return archive.append_audit(
        AuditEvent(at=datetime.now(UTC), actor=actor, action=action, target=target, reason=reason, details=details)
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

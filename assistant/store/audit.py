"""The audit repository: the append-only audit log (who did what, to which target, and why).

Rows are never updated except by retention scrubbing quoted words and authors of deleted messages
(``redact_audit``); retention deletes old ones (``retention.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from assistant.domain import AuditEvent
from assistant.store.base import ArchiveBase
from assistant.store.schema import AuditRow
from assistant.store.sql import CHUNK, append_record


class AuditRepository(ArchiveBase):
    """Append, read and redact audit events."""

    # Audit log (append-only) ------------------------------------------------------------------------------------
    def append_audit(self, event_: AuditEvent) -> AuditEvent:
        with self._session() as s, s.begin():
            return append_record(s, AuditRow, event_)

    def audit(self, since: datetime | None = None, action: str | None = None) -> list[AuditEvent]:
        q = select(AuditRow).order_by(AuditRow.id)
        if since:
            q = q.where(AuditRow.at >= since)
        if action:
            q = q.where(AuditRow.action == action)
        with self._session() as s:
            return [_audit_event(r) for r in s.scalars(q).all()]

    def audit_for_targets(self, targets: Iterable[str]) -> list[AuditEvent]:
        """Audit events about the given targets (e.g. ``flag:12``), oldest first."""
        wanted = sorted(set(targets))
        out: list[AuditRow] = []
        with self._session() as s:
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                out.extend(s.scalars(select(AuditRow).where(AuditRow.target.in_(chunk))).all())
        return [_audit_event(r) for r in sorted(out, key=lambda r: r.id)]

    def redact_audit(self, events: Iterable[AuditEvent]) -> int:
        """Overwrite the reason and details of stored audit events (the only update the log allows: retention
        scrubbing quoted words and authors of deleted messages); returns how many rows changed."""
        changed = 0
        with self._session() as s, s.begin():
            self._secure(s)
            for e in events:
                row = s.get(AuditRow, e.id) if e.id is not None else None
                if row is None or (row.reason == e.reason and (row.details or {}) == e.details):
                    continue
                row.reason = e.reason
                row.details = dict(e.details)
                changed += 1
        if changed:
            self._checkpoint()
        return changed


def _audit_event(r: AuditRow) -> AuditEvent:
    return AuditEvent.model_validate(r, from_attributes=True)

"""The retention repository: deleting what must go, from the tables and from the files.

Retention deletes messages, judgments and audit events older than the cutoff; a member's deletion in Slack
blanks the message's content and drops its judgment (the row and its ts stay). On SQLite the connections that
delete or blank use ``secure_delete`` and the WAL is truncated, and retention ends with ``vacuum``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.orm import Session

from assistant.store import aggregates
from assistant.store.base import ArchiveBase
from assistant.store.schema import AuditRow, Base, ClaimRepeatRow, JudgmentRow, KeyValueRow, MessageRow
from assistant.store.sql import CHUNK
from assistant.store.versions import CLAIMS_REVISION


class RetentionRepository(ArchiveBase):
    """Retention deletes, deleted messages blanked, and the files compacted."""

    # Retention --------------------------------------------------------------------------------------------------
    def delete_older_than(self, cutoff: datetime) -> list[tuple[str, str]]:
        """Really delete messages (and their judgments) older than ``cutoff``; returns the deleted keys."""
        with self._session() as s, s.begin():
            rows = s.execute(
                select(MessageRow.channel_id, MessageRow.ts).where(MessageRow.time < cutoff.timestamp())
            ).all()
            keys = [(r[0], r[1]) for r in rows]
            s.execute(delete(MessageRow).where(MessageRow.time < cutoff.timestamp()))
            for cid, ts in keys:
                s.execute(delete(JudgmentRow).where(JudgmentRow.channel_id == cid, JudgmentRow.ts == ts))
            s.execute(delete(AuditRow).where(AuditRow.at < cutoff))
            if keys:
                aggregates.forget_before(s.connection(), cutoff.timestamp())
                self._forget_repeats(s, keys)
        return keys

    def _forget_repeats(self, s: Session, keys: Sequence[tuple[str, str]]) -> int:
        """Confirmed repeats of claims quote their message: they go with it (retention), and the claims' revision
        moves in the same transaction so every process's claim matrix drops their vectors."""
        removed = 0
        for start in range(0, len(keys), CHUNK):
            chunk = list(keys[start : start + CHUNK])
            result = s.execute(
                delete(ClaimRepeatRow).where(tuple_(ClaimRepeatRow.channel_id, ClaimRepeatRow.ts).in_(chunk))
            )
            removed += int(getattr(result, "rowcount", 0) or 0)
        if removed:
            s.execute(
                self.upsert(KeyValueRow, ["key"], ["value"]),
                {"key": CLAIMS_REVISION, "value": {"revision": uuid.uuid4().hex}},
            )
        return removed

    # Deletion ---------------------------------------------------------------------------------------------------
    # Deleted content must leave the files too, not only the tables: on SQLite the connections that delete or
    # blank it use ``secure_delete`` (freed bytes are overwritten) and the WAL is checkpointed and truncated, and
    # retention ends with ``vacuum``. On PostgreSQL the rows go and a plain ``VACUUM`` reclaims their dead versions;
    # PostgreSQL's own WAL archive and backups are the operator's to expire.
    def keys_older_than(self, cutoff: datetime) -> list[tuple[str, str]]:
        """Keys of the messages retention will delete (read first, so the index and the audit log can be cleaned
        before the archive forgets which messages they were)."""
        with self._session() as s:
            rows = s.execute(
                select(MessageRow.channel_id, MessageRow.ts).where(MessageRow.time < cutoff.timestamp())
            ).all()
        return [(r[0], r[1]) for r in rows]

    def blank_message(self, channel_id: str, ts: str) -> bool:
        """A member deleted the message in Slack: the row and its ts stay (threads, reply counts and flags keep
        pointing at it), marked deleted and queued so it leaves the index, but its text, raw text and files are
        blanked and its judgment (which quotes the text) is deleted. Moderation's flag keeps its excerpt until the
        retention period, as evidence for moderators, and so does a confirmed repeat of a claim (a moderator's
        removal of a rumour deletes the message too; its confirmation must survive that)."""
        with self._session() as s, s.begin():
            self._secure(s)
            thread_ts = s.execute(
                select(MessageRow.thread_ts).where(MessageRow.channel_id == channel_id, MessageRow.ts == ts)
            ).scalar()
            result = s.execute(
                update(MessageRow)
                .where(MessageRow.channel_id == channel_id, MessageRow.ts == ts)
                .values(deleted=True, indexed=False, text="", raw_text="", files=[])
            )
            if not getattr(result, "rowcount", 0):
                return False
            s.execute(delete(JudgmentRow).where(JudgmentRow.channel_id == channel_id, JudgmentRow.ts == ts))
            aggregates.refresh(s.connection(), aggregates.touched(channel_id, ts, thread_ts))
        self._checkpoint()
        return True

    def mark_deleted(self, channel_id: str, ts: str) -> bool:
        """Keep the row and its ts (threads and flags point at it), marked deleted so it leaves answers and the
        index, with its text blanked: see ``blank_message`` (issue 14)."""
        return self.blank_message(channel_id, ts)

    def vacuum(self) -> None:
        """Rewrite the archive so deleted rows leave its free pages (SQLite ``VACUUM``, then the WAL is truncated),
        or reclaim dead row versions (PostgreSQL ``VACUUM`` of the archive's tables)."""
        if self.dialect == "sqlite":
            self._sqlite_pragmas("PRAGMA secure_delete=ON", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)")
        elif self.dialect == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                present = {r[0] for r in c.exec_driver_sql("SELECT tablename FROM pg_tables")}
                for table in Base.metadata.sorted_tables:
                    if table.name in present:
                        c.exec_driver_sql(f'VACUUM "{table.name}"')

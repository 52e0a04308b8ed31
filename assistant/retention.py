"""Retention: really deleting what is older than ``ASSISTANT_RETENTION_DAYS``, everywhere it was written.

A message older than the cutoff leaves:

* the archive: its row and its judgment (``Archive.delete_older_than``);
* the index: the collection, Chroma's write-ahead log, which otherwise keeps its text, author and vector
  (``Index.delete_messages`` / ``Index.purge_log``, see ``assistant.store.chroma_log``);
* moderation: its flags and their actions (``ModerationService.delete_older_than``);
* the audit log: events older than the cutoff go with the archive's sweep; newer events about its flags (a
  moderator's decision made later, a flag raised when old history was imported) stay, scrubbed of the quoted
  words and the author (``audit.scrub_deleted``): the decision is kept, not the words;
* the files: the archive (SQLite) and ``chroma.sqlite3`` are vacuumed so nothing lingers in free pages.

Every step is idempotent and ordered so an interrupted run is finished by the next one: the keys are read first,
the audit and the index are cleaned while the archive still knows the keys, and the archive forgets last.

A member's own deletion in Slack is not retention: the archive row is kept (threads and flags point at it) but
blanked (``Archive.blank_message``), the index entry and its log rows go at once (``Pipeline.delete``), and the
flag keeps its excerpt as evidence for moderators until the message passes the retention cutoff.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from assistant.insights.member_profiles import STATE_KEY as PROFILES_STATE_KEY
from assistant.moderation import audit

if TYPE_CHECKING:
    from assistant.moderation import ModerationService
    from assistant.store import Archive, Index

logger = logging.getLogger(__name__)


@dataclass
class RetentionReport:
    cutoff: datetime | None = None
    messages: int = 0
    flags: int = 0
    audit_scrubbed: int = 0
    log_rows_purged: int = 0


def apply_retention(
    archive: Archive,
    index: Index,
    moderation: ModerationService,
    *,
    days: int | None,
    now: datetime,
) -> RetentionReport:
    """Delete messages, judgments, flags and audit events older than ``days`` before ``now`` (nothing when
    ``days`` is unset), scrub later audit events about them, purge them from the index's log, and vacuum."""
    if not days:
        return RetentionReport()
    cutoff = now - timedelta(days=days)
    report = RetentionReport(cutoff=cutoff)
    keys = archive.keys_older_than(cutoff)
    # the flags retention deletes (moderation's rule: the message is older than the cutoff)
    targets = [f"flag:{f.id}" for f in moderation.flags() if float(f.ts) < cutoff.timestamp()]
    report.audit_scrubbed = audit.scrub_deleted(archive, targets)
    index.delete_messages([f"{c}:{t}" for c, t in keys], vacuum=False)
    report.flags = moderation.delete_older_than(cutoff)
    deleted = archive.delete_older_than(cutoff)
    late = sorted(set(deleted) - set(keys))  # stored while this ran (an old message imported just now)
    if late:
        index.delete_messages([f"{c}:{t}" for c, t in late], vacuum=False)
    report.messages = len(deleted)
    if deleted:  # members' stored profiles may average the deleted messages' vectors: computed again when asked
        archive.forget_state(PROFILES_STATE_KEY)
    report.log_rows_purged = sweep_index(index)
    if deleted or report.flags or report.audit_scrubbed:
        archive.vacuum()
    logger.info(
        "retention: deleted %d messages and %d flags older than %d days; %d audit events scrubbed, "
        "%d index log rows purged",
        report.messages,
        report.flags,
        days,
        report.audit_scrubbed,
        report.log_rows_purged,
    )
    return report


def sweep_index(index: Index) -> int:
    """The daily sweep of the index's log: rows of every deleted message (also those a failed or deferred purge
    left, and those written before purging existed), then a vacuum if anything went or one is pending."""
    return index.purge_log(None, vacuum=None)

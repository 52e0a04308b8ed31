"""Moderation's part of the store: its tables (owned by the archive's migrations) and two repositories that
take and return models (``assistant.domain.moderation``), so the moderation services never open a session.

- ``ModerationStore``: flags, alerts (burst groups), the append-only action log and the retention sweep;
  ``FlagWrites``, many flag writes (and their audit events) in one of its transactions.
- ``PolicyOverrides``: the per-channel (and workspace) policy overrides.
"""

from __future__ import annotations

from assistant.store.moderation.flags import AlertTimes, FlagSummary, FlagWrites, ModerationStore
from assistant.store.moderation.policies import PolicyOverrides
from assistant.store.moderation.tables import TABLES, ActionRow, AlertRow, FlagRow, PolicyRow

__all__ = [
    "TABLES",
    "ActionRow",
    "AlertRow",
    "AlertTimes",
    "FlagRow",
    "FlagSummary",
    "FlagWrites",
    "ModerationStore",
    "PolicyOverrides",
    "PolicyRow",
]

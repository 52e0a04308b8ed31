"""Moved to ``assistant.store.moderation.tables``; this alias stays for importers outside moderation (insights'
twinning, the scale tests) until they read through ``assistant.store.moderation``."""

from __future__ import annotations

from assistant.store.moderation.tables import TABLES, ActionRow, AlertRow, FlagRow, PolicyRow

__all__ = ["TABLES", "ActionRow", "AlertRow", "FlagRow", "PolicyRow"]

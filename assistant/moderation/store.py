"""Moved to ``assistant.store.moderation``; this alias stays for importers outside moderation until they move."""

from __future__ import annotations

from assistant.store.moderation import ModerationStore

__all__ = ["ModerationStore"]

"""Persistence: the archive (SQLAlchemy over SQLite or PostgreSQL) and the index (Chroma collections).

``Archive`` composes one repository per aggregate (``directory``, ``messages``, ``judgments``, ``audit``,
``state``, ``retention``) over ``base.ArchiveBase``; moderation, claims, surveys and the Slack queues have their
own repositories, and ``aggregates`` keeps the insight aggregates. Only this package opens sessions.

``Index`` is imported on first use: commands that never touch vectors (``--help``, metrics, audit, policy) do
not pay for importing Chroma.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.store.archive import Archive

if TYPE_CHECKING:
    from assistant.store.index import Index, MessageFilter

__all__ = ["Archive", "Index", "MessageFilter"]


def __getattr__(name: str) -> Any:
    if name in ("Index", "MessageFilter"):
        from assistant.store import index

        return getattr(index, name)
    raise AttributeError(f"module 'assistant.store' has no attribute {name!r}")

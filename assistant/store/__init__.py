"""Persistence: the archive (SQLAlchemy over SQLite or PostgreSQL) and the index (Chroma collections)."""

from assistant.store.archive import Archive
from assistant.store.index import Index, MessageFilter

__all__ = ["Archive", "Index", "MessageFilter"]

"""What every archive repository stands on: the engine, short sessions, dialect upserts, SQLite file hygiene.

The repositories (``directory``, ``messages``, ``judgments``, ``audit``, ``state``, ``retention``) are mixins
over ``ArchiveBase``; ``Archive`` (``archive.py``) composes them, so callers keep one object.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from assistant.store.sql import insert_for, table_of, upsert_statement

logger = logging.getLogger("assistant.store.archive")


class ArchiveBase:
    """The engine and sessions of one archive; every repository method opens and commits its own transaction."""

    url: str
    engine: Engine
    _sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _session(self) -> Session:
        """A session: reads as they come; ``with s.begin():`` for a transaction that writes. Private to the
        store: its repositories (here and in ``assistant.store``) open sessions, callers get models."""
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()

    def insert(self, table: Any) -> Any:
        """This archive's dialect ``INSERT`` for ``table`` (with ``on_conflict_do_nothing/_do_update``)."""
        return insert_for(self.dialect, table_of(table))

    def upsert(self, table: Any, keys: Sequence[str], update_columns: Sequence[str] | None = None) -> Any:
        """An atomic upsert statement for ``table`` (see ``upsert_statement``); execute it with rows."""
        return upsert_statement(self.dialect, table_of(table), keys, update_columns)

    def _secure(self, s: Session) -> None:
        if self.dialect == "sqlite":
            s.connection().exec_driver_sql("PRAGMA secure_delete=ON")

    def _checkpoint(self) -> None:
        """SQLite: copy the WAL into the file and truncate it, so earlier versions of changed pages go."""
        if self.dialect == "sqlite":
            busy = self._sqlite_pragmas("PRAGMA wal_checkpoint(TRUNCATE)")
            if busy and busy[0]:
                logger.info("archive: the WAL is in use; it is truncated at the next checkpoint")

    def _sqlite_pragmas(self, *statements: str) -> Any:
        """Run statements outside any transaction (``VACUUM`` refuses one) on a pooled DBAPI connection; returns
        the last one's first row."""
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            row = None
            for statement in statements:
                cursor.execute(statement)
                row = cursor.fetchone()
            cursor.close()
            return row
        finally:
            raw.close()

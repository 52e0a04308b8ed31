"""The state repository: small key-value state (cursors, notes), event claims (dedup) and the version tokens.

``claim_once`` is one atomic upsert, so of two processes claiming one Slack event exactly one gets it. The data
and directory tokens are written by the session hooks in ``versions.py`` and read here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from assistant.errors import StoreError
from assistant.store.base import ArchiveBase
from assistant.store.schema import KeyValueRow
from assistant.store.sql import CHUNK, first_line, table_of
from assistant.store.types import as_utc
from assistant.store.versions import DATA_VERSION, DIRECTORY_VERSION


class StateRepository(ArchiveBase):
    """Key-value state, dedup claims and the data/directory version tokens."""

    # Small state ------------------------------------------------------------------------------------------------
    def data_version(self) -> str:
        """A token that changes whenever messages, judgments, members, channels or flags change (any process)."""
        return str((self.get_state(DATA_VERSION) or {}).get("token", ""))

    def directory_version(self) -> str:
        """A token that changes whenever members, channels or memberships change (any process); a subset of the
        changes ``data_version`` follows."""
        return str((self.get_state(DIRECTORY_VERSION) or {}).get("token", ""))

    def get_state(self, key: str) -> dict[str, Any] | None:
        with self._session() as s:
            row = s.get(KeyValueRow, key)
            return dict(row.value) if row else None

    def set_state(self, key: str, value: dict[str, Any]) -> None:
        with self._session() as s, s.begin():
            s.execute(self.upsert(KeyValueRow, ["key"], ["value"]), {"key": key, "value": value})

    def forget_state(self, key: str) -> None:
        """Drop one state row (e.g. a claim whose work failed, so it may be tried again)."""
        with self._session() as s, s.begin():
            s.execute(delete(KeyValueRow).where(KeyValueRow.key == key))

    def claim_once(self, key: str) -> bool:
        """Record ``key`` (e.g. a Slack event id) and say whether it was new: deduplicates retries. Atomic, so
        of two processes claiming the same key exactly one gets True; a database that cannot be written is a
        ``StoreError`` (the event is retried later), never a silent "already seen"."""
        try:
            with self._session() as s, s.begin():
                claim = self.upsert(KeyValueRow, ["key"]).returning(table_of(KeyValueRow).c.key)
                new = s.execute(claim, {"key": key, "value": {"at": datetime.now(UTC).isoformat()}}).first()
                return new is not None
        except OperationalError as exc:
            raise StoreError(f"The archive cannot record an event right now: {first_line(exc.orig)}") from None

    def forget_claims(self, prefix: str, before: datetime) -> int:
        """Drop dedup claims (``claim_once`` keys under ``prefix``) recorded before ``before``: retries of an
        event arrive within minutes, so old claims only grow the table."""
        with self._session() as s, s.begin():
            old: list[str] = []
            for key, value in s.execute(
                select(KeyValueRow.key, KeyValueRow.value).where(KeyValueRow.key.startswith(prefix))
            ):
                try:
                    at = datetime.fromisoformat(str((value or {}).get("at")))
                except ValueError:
                    continue
                if as_utc(at) < before:
                    old.append(key)
            for start in range(0, len(old), CHUNK):
                s.execute(delete(KeyValueRow).where(KeyValueRow.key.in_(old[start : start + CHUNK])))
        return len(old)

"""The archive: messages, threads, members, reactions, judgments, audit log. SQLite (WAL) or PostgreSQL.

``Archive`` composes one repository per aggregate, each in its own module over ``ArchiveBase`` (``base.py``):
``directory`` (members, channels, memberships), ``messages`` and ``judgments``, ``audit``, ``state`` (key-value,
claims, version tokens) and ``retention``; the engine and sessions are in ``engine.py``. This module adds the
schema (migrations at start-up) and the writer lock.

Writes are idempotent upserts keyed by ``(channel_id, ts)`` so re-ingesting an export or replaying a Slack
event changes nothing; a message whose content changed is marked for re-indexing and re-judging.

Safe with several writers: every insert is an atomic ``INSERT … ON CONFLICT`` (never read-then-insert), write
transactions on SQLite start with ``BEGIN IMMEDIATE`` (they wait their turn instead of failing), and long jobs
take ``writer_lock`` (a PostgreSQL advisory lock, or a file lock next to the SQLite file): one writer at a time.
The schema is brought to the head revision at start-up (``assistant.store.migrations``). No NUL character is
ever written (PostgreSQL refuses them), and SQL errors never carry the rows' values.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, func, inspect, select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from assistant.errors import StoreError
from assistant.store.audit import AuditRepository
from assistant.store.directory import DirectoryRepository
from assistant.store.engine import WRITE, ArchiveSession, lock_key, make_engine
from assistant.store.judgments import JudgmentRepository
from assistant.store.messages import MessageRepository, UpsertResult
from assistant.store.retention import RetentionRepository
from assistant.store.sql import first_line, insert_for, strip_nul, upsert_statement
from assistant.store.state import StateRepository
from assistant.store.versions import CONTENT_TABLES, DATA_VERSION, DIRECTORY_TABLES, DIRECTORY_VERSION

# Kept importable from here (``from assistant.store.archive import …``), where they were first defined.
__all__ = [
    "CONTENT_TABLES",
    "DATA_VERSION",
    "DIRECTORY_TABLES",
    "DIRECTORY_VERSION",
    "Archive",
    "UpsertResult",
    "insert_for",
    "make_engine",
    "strip_nul",
    "upsert_statement",
]

logger = logging.getLogger(__name__)


class Archive(
    DirectoryRepository,
    MessageRepository,
    JudgmentRepository,
    AuditRepository,
    StateRepository,
    RetentionRepository,
):
    """Repository over the archive tables; every method opens and commits its own short transaction.

    Opening an archive brings its schema to the head revision (creating a fresh one), unless ``migrate=False``
    (``assistant db current`` looks without changing anything).
    """

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, class_=ArchiveSession, expire_on_commit=False)
        if migrate:
            self.upgrade()

    # Schema -----------------------------------------------------------------------------------------------------
    def schema_revision(self) -> tuple[str | None, str]:
        """(the revision the archive is at, or None before migrations; the head this release knows)."""
        from assistant.store import migrations

        with self._opening(), self.engine.connect() as conn:
            return migrations.current(conn), migrations.head()

    def upgrade(self) -> str:
        """Bring the schema to the head revision; says what was done: current, created, adopted, upgraded.

        Runs under the schema lock (a PostgreSQL transaction advisory lock; SQLite's write lock), so processes
        starting together on an empty database wait for the first one instead of racing its ``CREATE TABLE``.
        """
        head = _head_revision()
        with self._opening(), self.engine.connect() as conn:  # the usual case: one read, nothing to do
            if head is not None and _stamped(conn) == head:  # without importing Alembic (a third of a second)
                return "current"
        from assistant.store import migrations

        with self._opening():
            with self.engine.connect() as conn:
                if migrations.current(conn) == migrations.head():
                    return "current"
            with self.engine.execution_options(**{WRITE: True}).begin() as conn:
                if self.dialect == "postgresql":
                    conn.execute(select(func.pg_advisory_xact_lock(lock_key(conn, "schema"))))
                done = migrations.bring_to_head(conn)
        if done != "current":
            logger.info("archive schema %s to %s", done, migrations.head())
        return done

    @contextmanager
    def _opening(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            raise StoreError(f"Cannot open the archive at {self.engine.url!r}: {first_line(exc.orig)}") from None

    # One writer at a time ---------------------------------------------------------------------------------------
    @contextmanager
    def writer_lock(self, what: str = "ingest") -> Iterator[None]:
        """Hold the archive's writer lock for a long job (an ingest): another holder, in this process or any
        other, makes this raise ``StoreError("another <what> is running on this archive")`` at once.

        PostgreSQL: a session advisory lock (per database and schema) on a connection kept for the duration;
        SQLite: a file lock next to the database file. Both end with the holder, even if it is killed.
        """
        busy = f"another {what} is running on this archive"
        if self.dialect == "postgresql":
            with self._opening():
                conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                try:
                    key = lock_key(conn, "writer")
                    got = conn.execute(select(func.pg_try_advisory_lock(key))).scalar()
                except BaseException:
                    conn.close()
                    raise
            if not got:
                conn.close()
                raise StoreError(busy)
            try:
                yield
            finally:
                try:
                    conn.execute(select(func.pg_advisory_unlock(key)))
                except SQLAlchemyError:  # the server ends a session's locks with it: drop the connection
                    conn.invalidate()
                finally:
                    conn.close()
            return
        from filelock import FileLock, Timeout

        database = self.engine.url.database
        if not database or database == ":memory:":  # one connection, one process: nothing to share
            yield
            return
        lock = FileLock(str(Path(database).resolve()) + ".lock", timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise StoreError(busy) from None
        except OSError as exc:
            raise StoreError(f"Cannot lock the archive at {database}: {exc.strerror or exc}") from None
        try:
            yield
        finally:
            lock.release()


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*(?:\"([^\"]+)\"|None)\s*$", re.MULTILINE)


@lru_cache(maxsize=1)
def _head_revision() -> str | None:
    """The head of the migrations shipped in ``assistant/store/migrations/versions`` (read from the files, so an
    archive already at the head opens without importing Alembic); None unless they make one chain with one head,
    and then Alembic decides (``migrations.head()``, which a test compares with this)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (Path(__file__).parent / "migrations" / "versions").glob("*.py"):
        found = dict((m.group(1), m.group(2)) for m in _REVISION.finditer(path.read_text(encoding="utf-8")))
        if found.get("revision"):
            revisions.add(found["revision"])
            if found.get("down_revision"):
                parents.add(found["down_revision"])
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 and parents <= revisions else None


def _stamped(conn: Connection) -> str | None:
    """The revision in ``alembic_version`` when it holds exactly one row (None otherwise, or without it)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    return str(rows[0][0]) if len(rows) == 1 else None

"""The archive: messages, threads, members, reactions, judgments, audit log. SQLite (WAL) or PostgreSQL.

Writes are idempotent upserts keyed by ``(channel_id, ts)`` so re-ingesting an export or replaying a Slack
event changes nothing; a message whose content changed is marked for re-indexing and re-judging.

Safe with several writers: every insert is an atomic ``INSERT … ON CONFLICT`` (never read-then-insert), write
transactions on SQLite start with ``BEGIN IMMEDIATE`` (they wait their turn instead of failing), and long jobs
take ``writer_lock`` (a PostgreSQL advisory lock, or a file lock next to the SQLite file): one writer at a time.
The schema is brought to the head revision at start-up (``assistant.store.migrations``). No NUL character is
ever written (PostgreSQL refuses them), and SQL errors never carry the rows' values.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Table,
    Text,
    case,
    cast,
    create_engine,
    delete,
    event,
    false,
    func,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from assistant.domain import AuditEvent, Channel, Judgment, Member, Message, Thread
from assistant.domain.workspace import NON_CONVERSATION_SUBTYPES, Edit, FileRef, Reaction
from assistant.errors import ConfigError, NotFoundError, StoreError
from assistant.store import aggregates
from assistant.store.schema import (
    AuditRow,
    Base,
    ChannelRow,
    JudgmentRow,
    KeyValueRow,
    MemberRow,
    MembershipRow,
    MessageRow,
)

logger = logging.getLogger(__name__)

_CHUNK = 500
#: Execution option marking a connection that will write: on SQLite its transaction starts ``BEGIN IMMEDIATE``.
_WRITE = "assistant_write"
_URL_HINT = "write it as postgresql://user:password@host:5432/database or sqlite:////path/to/archive.sqlite3"


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def strip_nul(value: Any) -> Any:
    """``value`` without NUL characters in any string it holds (PostgreSQL text and JSON refuse them)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {strip_nul(k): strip_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(strip_nul(v) for v in value)
    return value


def _json_dumps(value: Any) -> str:
    return json.dumps(strip_nul(value))


def _has_nul(params: Any) -> bool:
    if isinstance(params, str):
        return "\x00" in params
    if isinstance(params, dict):
        return any(_has_nul(v) for v in params.values())
    if isinstance(params, list | tuple):
        return any(_has_nul(v) for v in params)
    return False


def _strip_nul_params(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
) -> tuple[str, Any]:
    """Last line before the driver: no string parameter carries a NUL (whatever table it is written to)."""
    if parameters and _has_nul(parameters):
        parameters = strip_nul(parameters)
    return statement, parameters


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # the driver's own transaction handling off: SQLAlchemy's "begin" event below says BEGIN, and how
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")  # first: switching to WAL below must wait for other openers too
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Writers take SQLite's write lock up front (waiting up to the busy timeout): a transaction that read
    first and writes later would otherwise fail at once ("database is locked") when another writer got in."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def _without_row_values(context: ExceptionContext) -> BaseException | None:
    """PostgreSQL's DETAIL quotes the failing row ("Failing row contains (…, the message text, …)"): errors keep
    the server's first line only (the full diagnostics stay on ``orig.diag`` for a debugger, never in a log)."""
    orig, wrapped = context.original_exception, context.sqlalchemy_exception
    message = str(orig)
    if "\nDETAIL:" not in message or not isinstance(wrapped, DBAPIError):
        return None
    orig.args = (message.split("\nDETAIL:", 1)[0],)
    return type(wrapped)(
        wrapped.statement,
        None,
        orig,
        hide_parameters=True,
        connection_invalidated=wrapped.connection_invalidated,
    )


def make_engine(url: str) -> Engine:
    """Engine for SQLite (WAL, for one instance) or PostgreSQL (for several instances).

    A URL that cannot be used is a ``ConfigError`` naming DATABASE_URL (never repeating it: it holds the
    password); statements that fail never echo their parameters (message rows) either.
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url.removeprefix(prefix)
    try:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, json_serializer=_json_dumps)
    except ValueError:  # e.g. int("5432x") for the port
        raise ConfigError(f"DATABASE_URL cannot be parsed (is the port a number?): {_URL_HINT}.") from None
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL is not a database URL the archive can use: {_URL_HINT}.") from None
    except ImportError as exc:
        raise ConfigError(
            f"DATABASE_URL names a database driver that is not installed ({exc.name}): use PostgreSQL or SQLite."
        ) from None
    except SQLAlchemyError:
        raise ConfigError(f"DATABASE_URL cannot be used: {_URL_HINT}.") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        event.listen(engine, "handle_error", _without_row_values)
    event.listen(engine, "before_cursor_execute", _strip_nul_params, retval=True)
    event.listen(engine, "before_cursor_execute", _note_content_write)
    event.listen(engine, "rollback", _forget_content_write)
    return engine


#: Tables whose rows answers are computed from: a committed write to one of them changes ``DATA_VERSION``.
CONTENT_TABLES = frozenset({"messages", "judgments", "members", "channels", "memberships", "moderation_flags"})
#: State key holding a token that changes with every committed write to the content tables (any process).
DATA_VERSION = "data-version"
#: The directory (who and where: members, channels, memberships), which changes far less often than messages.
DIRECTORY_TABLES = frozenset({"members", "channels", "memberships"})
#: State key holding a token that changes with every committed write to the directory tables (any process).
DIRECTORY_VERSION = "directory-version"
_WRITTEN = "assistant_content_written"
_DIRECTORY_WRITTEN = "assistant_directory_written"
_DML = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


def _note_content_write(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    found = _DML.match(statement)
    if found and found.group(1).lower() in CONTENT_TABLES:
        conn.info[_WRITTEN] = True
        if found.group(1).lower() in DIRECTORY_TABLES:
            conn.info[_DIRECTORY_WRITTEN] = True


def _forget_content_write(conn: Connection) -> None:
    conn.info.pop(_WRITTEN, None)
    conn.info.pop(_DIRECTORY_WRITTEN, None)


def _bump_data_version(session: Session) -> None:
    """Before a session commits a write to the content tables, give the data a new version token in the same
    transaction: caches of computed answers (in this process or another) see the change on their next look,
    edits and deletions included, which row counts alone would miss."""
    if not session.in_transaction():
        return
    conn = session.connection()
    directory = conn.info.pop(_DIRECTORY_WRITTEN, False)
    if not conn.info.pop(_WRITTEN, False):
        return
    table = _table(KeyValueRow)
    stmt = upsert_statement(conn.dialect.name, table, ["key"], ["value"])
    rows = [{"key": DATA_VERSION, "value": {"token": uuid.uuid4().hex}}]
    if directory:  # also the directory's own token: caches of members and channels keep through new messages
        rows.append({"key": DIRECTORY_VERSION, "value": {"token": uuid.uuid4().hex}})
    conn.execute(stmt, rows)
    _forget_content_write(conn)


class _ArchiveSession(Session):
    """A session whose explicit ``begin()`` (the archive's idiom for "this transaction writes") takes the write
    lock at once on SQLite; reads (autobegin) stay plain ``BEGIN`` and never wait for writers (WAL)."""

    def begin(self, nested: bool = False) -> SessionTransaction:
        transaction = super().begin(nested=nested)
        if not nested and self.bind is not None and self.bind.dialect.name == "sqlite":
            options: dict[str, Any] = {_WRITE: True}
            self.connection(execution_options=options)
        return transaction


event.listen(_ArchiveSession, "before_commit", lambda session: _bump_data_version(session))


def insert_for(dialect: str, table: Any) -> Any:
    """The dialect's ``INSERT`` (PostgreSQL or SQLite), which has ``on_conflict_do_nothing/_do_update``."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def upsert_statement(
    dialect: str, table: Any, keys: Sequence[str], update_columns: Sequence[str] | None = None
) -> Any:
    """``INSERT … ON CONFLICT (keys) DO UPDATE SET`` the given columns from the new row (``DO NOTHING`` when
    none): one atomic statement, so two writers of the same row never raise ``IntegrityError``."""
    stmt = insert_for(dialect, table)
    if not update_columns:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in update_columns}
    )


def _lock_key(conn: Connection, purpose: str) -> int:
    """A 64-bit advisory lock key for this purpose in this database and schema (schemas share locks)."""
    database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
    digest = hashlib.blake2b(f"assistant:{purpose}:{database}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _first_line(exc: BaseException | None) -> str:
    return str(exc or "").strip().splitlines()[0] if str(exc or "").strip() else type(exc).__name__


def _message_values(m: Message) -> dict[str, Any]:
    return strip_nul(
        {
            "channel_id": m.channel_id,
            "ts": m.ts,
            "time": float(m.ts),
            "user_id": m.user_id,
            "text": m.text,
            "raw_text": m.raw_text,
            "thread_ts": m.thread_ts,
            "subtype": m.subtype,
            "bot_id": m.bot_id,
            "reactions": [r.model_dump() for r in m.reactions],
            "reply_count": m.reply_count,
            "reply_users": list(m.reply_users),
            "files": [f.model_dump() for f in m.files],
            "edited": m.edited.model_dump() if m.edited else None,
            "deleted": m.deleted,
        }
    )


def _row_to_message(row: MessageRow | Row[Any]) -> Message:
    return Message(
        channel_id=row.channel_id,
        ts=row.ts,
        user_id=row.user_id,
        text=row.text,
        raw_text=row.raw_text,
        thread_ts=row.thread_ts,
        subtype=row.subtype,
        bot_id=row.bot_id,
        reactions=[Reaction(**r) for r in row.reactions or []],
        reply_count=row.reply_count,
        reply_users=list(row.reply_users or []),
        files=[FileRef(**f) for f in row.files or []],
        edited=Edit(**row.edited) if row.edited else None,
        deleted=row.deleted,
    )


_CONTENT_FIELDS = ("text", "raw_text", "deleted")
_MEMBER_COLUMNS = ("id", "name", "real_name", "display_name", "title", "is_bot", "deleted", "tz")


class Archive:
    """Repository over the archive tables; every method opens and commits its own short transaction.

    Opening an archive brings its schema to the head revision (creating a fresh one), unless ``migrate=False``
    (``assistant db current`` looks without changing anything).
    """

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, class_=_ArchiveSession, expire_on_commit=False)
        if migrate:
            self.upgrade()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        """A session: reads as they come; ``with s.begin():`` for a transaction that writes."""
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()

    def insert(self, table: Any) -> Any:
        """This archive's dialect ``INSERT`` for ``table`` (with ``on_conflict_do_nothing/_do_update``)."""
        return insert_for(self.dialect, _table(table))

    def upsert(self, table: Any, keys: Sequence[str], update_columns: Sequence[str] | None = None) -> Any:
        """An atomic upsert statement for ``table`` (see ``upsert_statement``); execute it with rows."""
        return upsert_statement(self.dialect, _table(table), keys, update_columns)

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
            with self.engine.execution_options(**{_WRITE: True}).begin() as conn:
                if self.dialect == "postgresql":
                    conn.execute(select(func.pg_advisory_xact_lock(_lock_key(conn, "schema"))))
                done = migrations.bring_to_head(conn)
        if done != "current":
            logger.info("archive schema %s to %s", done, migrations.head())
        return done

    @contextmanager
    def _opening(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            raise StoreError(f"Cannot open the archive at {self.engine.url!r}: {_first_line(exc.orig)}") from None

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
                    key = _lock_key(conn, "writer")
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

    # Channels and members ---------------------------------------------------------------------------------------
    def upsert_channels(self, channels: Iterable[Channel]) -> int:
        rows: list[dict[str, Any]] = []
        memberships: list[dict[str, Any]] = []
        for c in channels:
            rows.append(
                {
                    "id": c.id,
                    "name": c.name,
                    "created": c.created,
                    "is_private": c.is_private,
                    "is_archived": c.is_archived,
                    "kind": getattr(c, "kind", "channel"),
                    "topic": c.topic,
                    "purpose": c.purpose,
                }
            )
            memberships.extend({"channel_id": c.id, "user_id": uid, "joined_at": None} for uid in c.members)
        if not rows:
            return 0
        rows = list({r["id"]: r for r in rows}.values())
        with self.session() as s, s.begin():
            s.execute(self.upsert(ChannelRow, ["id"], [k for k in rows[0] if k != "id"]), rows)
            if memberships:
                s.execute(self.upsert(MembershipRow, ["channel_id", "user_id"]), memberships)
        return len(rows)

    def upsert_members(self, members: Iterable[Member]) -> int:
        rows = list({m.id: m.model_dump() for m in members}.values())
        if not rows:
            return 0
        fields = ("name", "real_name", "display_name", "is_bot")
        with self.session() as s, s.begin():
            before: dict[str, tuple[Any, ...]] = {}
            ids = [r["id"] for r in rows]
            for start in range(0, len(ids), _CHUNK):
                for found in s.execute(
                    select(MemberRow.id, *(getattr(MemberRow, f) for f in fields)).where(
                        MemberRow.id.in_(ids[start : start + _CHUNK])
                    )
                ):
                    before[found[0]] = tuple(found[1:])
            s.execute(self.upsert(MemberRow, ["id"], [k for k in rows[0] if k != "id"]), rows)
            # who counts and how mentions name them: aggregates of their messages change
            changed = [r["id"] for r in rows if before.get(r["id"]) != tuple(r[f] for f in fields)]
            touched: set[tuple[str, int]] = set()
            for start in range(0, len(changed), _CHUNK):
                for cid, ts, thread_ts in s.execute(
                    select(MessageRow.channel_id, MessageRow.ts, MessageRow.thread_ts).where(
                        MessageRow.user_id.in_(changed[start : start + _CHUNK])
                    )
                ):
                    touched |= aggregates.touched(cid, ts, thread_ts)
            aggregates.refresh(s.connection(), touched)
        return len(rows)

    def add_membership(self, channel_id: str, user_id: str, joined_at: datetime | None) -> None:
        """Record a membership; a known join time only moves earlier (the first join seen is the join)."""
        with self.session() as s, s.begin():
            s.execute(
                self.upsert(MembershipRow, ["channel_id", "user_id"]),
                {"channel_id": channel_id, "user_id": user_id, "joined_at": joined_at},
            )
            if joined_at is not None:
                s.execute(
                    update(MembershipRow)
                    .where(
                        MembershipRow.channel_id == channel_id,
                        MembershipRow.user_id == user_id,
                        or_(MembershipRow.joined_at.is_(None), MembershipRow.joined_at > joined_at),
                    )
                    .values(joined_at=joined_at)
                )

    def remove_membership(self, channel_id: str, user_id: str) -> bool:
        """Someone left a channel: membership is current state (their join stays in the message history)."""
        with self.session() as s, s.begin():
            result = s.execute(
                delete(MembershipRow).where(
                    MembershipRow.channel_id == channel_id, MembershipRow.user_id == user_id
                )
            )
            return _rowcount(result) > 0

    def channels(self) -> list[Channel]:
        with self.session() as s:
            rows = s.scalars(select(ChannelRow).order_by(ChannelRow.name)).all()
            members: dict[str, list[str]] = {}
            for mrow in s.scalars(select(MembershipRow)).all():
                members.setdefault(mrow.channel_id, []).append(mrow.user_id)
            return [
                Channel(
                    id=r.id,
                    name=r.name,
                    created=_aware(r.created) if r.created else None,
                    is_private=r.is_private,
                    is_archived=r.is_archived,
                    kind=_kind(r.kind),
                    topic=r.topic,
                    purpose=r.purpose,
                    members=sorted(members.get(r.id, [])),
                )
                for r in rows
            ]

    def channel(self, ref: str) -> Channel:
        """A channel by id, name or ``#name``; raises ``NotFoundError`` naming what was asked."""
        wanted = ref.strip().lstrip("#")
        for c in self.channels():
            if wanted in (c.id, c.name):
                return c
        raise NotFoundError(f"No channel called {ref!r} is in the archive.")

    def memberships(self, channel_id: str | None = None) -> list[tuple[str, str, datetime | None]]:
        with self.session() as s:
            q = select(MembershipRow)
            if channel_id:
                q = q.where(MembershipRow.channel_id == channel_id)
            return [
                (r.channel_id, r.user_id, _aware(r.joined_at) if r.joined_at else None) for r in s.scalars(q).all()
            ]

    def members(self) -> list[Member]:
        with self.session() as s:
            return [
                Member(
                    id=r.id,
                    name=r.name,
                    real_name=r.real_name,
                    display_name=r.display_name,
                    title=r.title,
                    is_bot=r.is_bot,
                    deleted=r.deleted,
                    tz=r.tz,
                )
                for r in s.execute(  # the columns, not ORM objects: every answer's snapshot reads all members
                    select(*(getattr(MemberRow, c) for c in _MEMBER_COLUMNS)).order_by(MemberRow.name)
                )
            ]

    def member_names(self) -> dict[str, str]:
        return {m.id: m.label for m in self.members()}

    # Messages ---------------------------------------------------------------------------------------------------
    def upsert_messages(self, messages: Sequence[Message]) -> UpsertResult:
        """Insert new messages, update changed ones (marking them for re-indexing), skip identical ones and
        deleted ones (a member's deletion is final, whatever an older export still holds).

        Safe against a concurrent writer of the same messages: a row that appeared since it was read is
        upserted (``ON CONFLICT DO UPDATE``), and marked for re-indexing only if its content differs."""
        result = UpsertResult()
        table = _table(MessageRow)
        touched: set[tuple[str, int]] = set()
        with self.session() as s, s.begin():
            for start in range(0, len(messages), _CHUNK):
                chunk = messages[start : start + _CHUNK]
                by_channel: dict[str, list[str]] = {}
                for m in chunk:
                    by_channel.setdefault(m.channel_id, []).append(m.ts)
                existing: dict[tuple[str, str], dict[str, Any]] = {}
                for cid, tss in by_channel.items():
                    for row in s.execute(select(table).where(table.c.channel_id == cid, table.c.ts.in_(tss))):
                        existing[(row.channel_id, row.ts)] = dict(row._mapping)
                inserts: dict[tuple[str, str], dict[str, Any]] = {}
                updates: dict[tuple[str, str], dict[str, Any]] = {}
                for m in chunk:
                    key = (m.channel_id, m.ts)
                    values = _message_values(m)
                    found = existing.get(key)
                    touched |= aggregates.touched(m.channel_id, m.ts, m.thread_ts)
                    if found is not None:
                        touched |= aggregates.touched(m.channel_id, m.ts, found["thread_ts"])
                    if found is None:
                        inserts[key] = values
                        existing[key] = dict(values)
                        result.inserted += 1
                        continue
                    if found["deleted"]:  # a deletion is final: re-importing an old export does not bring it back
                        result.unchanged += 1
                        continue
                    changed = {k: v for k, v in values.items() if found[k] != v}
                    if not changed:
                        result.unchanged += 1
                        continue
                    found.update(changed)
                    result.updated += 1
                    if key in inserts:  # the same message twice in one batch: the last one wins
                        inserts[key].update(changed)
                        continue
                    pending = updates.setdefault(key, {})
                    pending.update(changed)
                    if any(k in changed for k in _CONTENT_FIELDS):
                        pending["indexed"] = False
                if inserts:
                    s.execute(self._message_upsert(table), [{**v, "indexed": False} for v in inserts.values()])
                for (cid, ts), values in updates.items():
                    s.execute(update(table).where(table.c.channel_id == cid, table.c.ts == ts).values(**values))
            if result.inserted or result.updated:
                aggregates.refresh(s.connection(), touched)
        return result

    def _message_upsert(self, table: Table) -> Any:
        stmt = self.insert(table)
        new = stmt.excluded
        content_changed = or_(*(table.c[k].is_distinct_from(new[k]) for k in _CONTENT_FIELDS))
        columns = [c.name for c in table.columns if c.name not in ("channel_id", "ts", "indexed", "moderated")]
        return stmt.on_conflict_do_update(
            index_elements=["channel_id", "ts"],
            set_={
                **{c: new[c] for c in columns},
                "indexed": case((content_changed, false()), else_=table.c.indexed),
            },
        )

    def get_message(self, channel_id: str, ts: str) -> Message:
        with self.session() as s:
            row = s.get(MessageRow, (channel_id, ts))
            if row is None:
                raise NotFoundError(f"No message {ts} in channel {channel_id} is in the archive.")
            return _row_to_message(row)

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        with self.session() as s:
            row = s.get(MessageRow, (channel_id, ts))
            return _row_to_message(row) if row else None

    def messages(
        self,
        channel_id: str | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        user_id: str | None = None,
        conversation_only: bool = False,
        limit: int | None = None,
    ) -> list[Message]:
        """Messages in time order, filtered by channel, time range and author."""
        return list(
            self.iter_messages(
                channel_id,
                since=since,
                until=until,
                user_id=user_id,
                conversation_only=conversation_only,
                limit=limit,
            )
        )

    def iter_messages(
        self,
        channel_id: str | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        user_id: str | None = None,
        conversation_only: bool = False,
        limit: int | None = None,
    ) -> Iterator[Message]:
        q = select(MessageRow).order_by(MessageRow.time, MessageRow.channel_id)
        if channel_id:
            q = q.where(MessageRow.channel_id == channel_id)
        if since:
            q = q.where(MessageRow.time >= since.timestamp())
        if until:
            q = q.where(MessageRow.time < until.timestamp())
        if user_id:
            q = q.where(MessageRow.user_id == user_id)
        if conversation_only:
            q = q.where(
                MessageRow.deleted.is_(False),
                MessageRow.bot_id.is_(None),
                MessageRow.user_id.is_not(None),
                or_(MessageRow.subtype.is_(None), MessageRow.subtype.not_in(NON_CONVERSATION_SUBTYPES)),
            )
        if limit:
            q = q.limit(limit)
        with self.session() as s:  # plain rows, not ORM objects: snapshots read every message at once
            for row in s.execute(q.with_only_columns(*MessageRow.__table__.columns)).yield_per(1000):
                yield _row_to_message(row)

    def thread(self, channel_id: str, thread_ts: str) -> Thread:
        """A thread in time order; a message that is not a parent is returned as a one-message thread."""
        with self.session() as s:
            rows = s.scalars(
                select(MessageRow)
                .where(
                    MessageRow.channel_id == channel_id,
                    or_(MessageRow.thread_ts == thread_ts, MessageRow.ts == thread_ts),
                )
                .order_by(MessageRow.time)
            ).all()
        if not rows:
            raise NotFoundError(f"No thread {thread_ts} in channel {channel_id} is in the archive.")
        return Thread(channel_id=channel_id, thread_ts=thread_ts, messages=[_row_to_message(r) for r in rows])

    def thread_parents(self, channel_id: str | None = None) -> list[Message]:
        q = select(MessageRow).where(MessageRow.thread_ts == MessageRow.ts)
        if channel_id:
            q = q.where(MessageRow.channel_id == channel_id)
        with self.session() as s:
            return [_row_to_message(r) for r in s.scalars(q.order_by(MessageRow.time)).all()]

    def mark_deleted(self, channel_id: str, ts: str) -> bool:
        """Keep the row and its ts (threads and flags point at it), marked deleted so it leaves answers and the
        index, with its text blanked: see ``blank_message`` (issue 14)."""
        return self.blank_message(channel_id, ts)

    def unindexed(self, limit: int | None = None) -> list[Message]:
        q = select(MessageRow).where(MessageRow.indexed.is_(False)).order_by(MessageRow.time)
        if limit:
            q = q.limit(limit)
        with self.session() as s:
            return [_row_to_message(r) for r in s.scalars(q).all()]

    def unfinished(self, limit: int | None = None) -> list[Message]:
        """Messages not yet through every step of the pipeline (not indexed, or not moderated), oldest first:
        new, changed, or interrupted by a crash between two steps."""
        q = (
            select(MessageRow)
            .where(or_(MessageRow.indexed.is_(False), MessageRow.moderated.is_(False)))
            .order_by(MessageRow.time)
        )
        if limit:
            q = q.limit(limit)
        with self.session() as s:
            return [_row_to_message(r) for r in s.scalars(q).all()]

    def is_finished(self, channel_id: str, ts: str) -> bool:
        """Whether the message went through every step (a redelivered event for it has nothing left to do)."""
        with self.session() as s:
            row = s.get(MessageRow, (channel_id, ts))
            return bool(row is not None and row.indexed and row.moderated)

    def mark_indexed(self, keys: Iterable[tuple[str, str]]) -> None:
        """Encoded, judged and in the index."""
        self._mark(keys, indexed=True)

    def mark_moderated(self, keys: Iterable[tuple[str, str]]) -> None:
        """Moderation's own done mark, set after its flags (and any alert for the outbox) were written."""
        self._mark(keys, moderated=True)

    def _mark(self, keys: Iterable[tuple[str, str]], **values: bool) -> None:
        with self.session() as s, s.begin():
            by_channel: dict[str, list[str]] = {}
            for cid, ts in keys:
                by_channel.setdefault(cid, []).append(ts)
            for cid, tss in by_channel.items():
                for start in range(0, len(tss), _CHUNK):
                    s.execute(
                        update(MessageRow)
                        .where(MessageRow.channel_id == cid, MessageRow.ts.in_(tss[start : start + _CHUNK]))
                        .values(**values)
                    )

    def mark_all_unindexed(self) -> int:
        """Queue every live message for encoding and judging again (after the encoder changed)."""
        with self.session() as s, s.begin():
            result = s.execute(update(MessageRow).where(MessageRow.deleted.is_(False)).values(indexed=False))
            return int(getattr(result, "rowcount", 0) or 0)

    def count_messages(self, channel_id: str | None = None) -> int:
        q = select(func.count()).select_from(MessageRow)
        if channel_id:
            q = q.where(MessageRow.channel_id == channel_id)
        with self.session() as s:
            return int(s.scalar(q) or 0)

    def set_reactions(self, channel_id: str, ts: str, reactions: list[Reaction]) -> bool:
        with self.session() as s, s.begin():
            result = s.execute(
                update(MessageRow)
                .where(MessageRow.channel_id == channel_id, MessageRow.ts == ts)
                .values(reactions=[r.model_dump() for r in reactions])
            )
            if _rowcount(result) <= 0:
                return False
            aggregates.refresh(s.connection(), {(channel_id, aggregates.day_of(float(ts)))})
            return True

    # Judgments --------------------------------------------------------------------------------------------------
    def save_judgments(self, judgments: Iterable[Judgment]) -> None:
        judgments = list(judgments)
        rows = {
            (j.channel_id, j.ts): {
                "channel_id": j.channel_id,
                "ts": j.ts,
                "toxicity": j.toxicity.score,
                "misinformation": j.misinformation.score,
                "negative": j.sentiment.probs.get("negative", 0.0),
                "want": j.want.score,
                "sentiment": j.sentiment.label,
                "payload": j.model_dump(mode="json"),
                "model_version": j.model_version,
            }
            for j in judgments
        }
        if not rows:
            return
        columns = [k for k in next(iter(rows.values())) if k not in ("channel_id", "ts")]
        with self.session() as s, s.begin():
            s.execute(self.upsert(JudgmentRow, ["channel_id", "ts"], columns), list(rows.values()))
            moods = {
                (j.channel_id, j.ts): (label := j.sentiment.mood_label, float(j.sentiment.probs.get(label, 0.0)))
                for j in judgments
            }
            aggregates.judged(s.connection(), moods)  # a judgment changes the moods only

    def judgment(self, channel_id: str, ts: str) -> Judgment | None:
        with self.session() as s:
            row = s.get(JudgmentRow, (channel_id, ts))
            return Judgment.model_validate(row.payload) if row else None

    def judgments(self, channel_id: str | None = None) -> dict[tuple[str, str], Judgment]:
        # the payload as JSON text, parsed and validated in one step by pydantic (snapshots read every judgment)
        q = select(JudgmentRow.channel_id, JudgmentRow.ts, cast(JudgmentRow.payload, Text))
        if channel_id:
            q = q.where(JudgmentRow.channel_id == channel_id)
        with self.session() as s:
            return {
                (cid, ts): Judgment.model_validate_json(payload)
                for cid, ts, payload in s.execute(q).yield_per(1000)
            }

    # Audit log (append-only) ------------------------------------------------------------------------------------
    def append_audit(self, event_: AuditEvent) -> AuditEvent:
        with self.session() as s, s.begin():
            row = AuditRow(
                at=event_.at,
                actor=event_.actor,
                action=event_.action,
                target=event_.target,
                reason=event_.reason,
                details=event_.details,
            )
            s.add(row)
            s.flush()
            return event_.model_copy(update={"id": row.id})

    def audit(self, since: datetime | None = None, action: str | None = None) -> list[AuditEvent]:
        q = select(AuditRow).order_by(AuditRow.id)
        if since:
            q = q.where(AuditRow.at >= since)
        if action:
            q = q.where(AuditRow.action == action)
        with self.session() as s:
            return [_audit_event(r) for r in s.scalars(q).all()]

    # Small state ------------------------------------------------------------------------------------------------
    def data_version(self) -> str:
        """A token that changes whenever messages, judgments, members, channels or flags change (any process)."""
        return str((self.get_state(DATA_VERSION) or {}).get("token", ""))

    def directory_version(self) -> str:
        """A token that changes whenever members, channels or memberships change (any process); a subset of the
        changes ``data_version`` follows."""
        return str((self.get_state(DIRECTORY_VERSION) or {}).get("token", ""))

    def get_state(self, key: str) -> dict[str, Any] | None:
        with self.session() as s:
            row = s.get(KeyValueRow, key)
            return dict(row.value) if row else None

    def set_state(self, key: str, value: dict[str, Any]) -> None:
        with self.session() as s, s.begin():
            s.execute(self.upsert(KeyValueRow, ["key"], ["value"]), {"key": key, "value": value})

    def forget_state(self, key: str) -> None:
        """Drop one state row (e.g. a claim whose work failed, so it may be tried again)."""
        with self.session() as s, s.begin():
            s.execute(delete(KeyValueRow).where(KeyValueRow.key == key))

    def claim_once(self, key: str) -> bool:
        """Record ``key`` (e.g. a Slack event id) and say whether it was new: deduplicates retries. Atomic, so
        of two processes claiming the same key exactly one gets True; a database that cannot be written is a
        ``StoreError`` (the event is retried later), never a silent "already seen"."""
        try:
            with self.session() as s, s.begin():
                claim = self.upsert(KeyValueRow, ["key"]).returning(_table(KeyValueRow).c.key)
                new = s.execute(claim, {"key": key, "value": {"at": datetime.now(UTC).isoformat()}}).first()
                return new is not None
        except OperationalError as exc:
            raise StoreError(f"The archive cannot record an event right now: {_first_line(exc.orig)}") from None

    def forget_claims(self, prefix: str, before: datetime) -> int:
        """Drop dedup claims (``claim_once`` keys under ``prefix``) recorded before ``before``: retries of an
        event arrive within minutes, so old claims only grow the table."""
        with self.session() as s, s.begin():
            old: list[str] = []
            for key, value in s.execute(
                select(KeyValueRow.key, KeyValueRow.value).where(KeyValueRow.key.startswith(prefix))
            ):
                try:
                    at = datetime.fromisoformat(str((value or {}).get("at")))
                except ValueError:
                    continue
                if _aware(at) < before:
                    old.append(key)
            for start in range(0, len(old), _CHUNK):
                s.execute(delete(KeyValueRow).where(KeyValueRow.key.in_(old[start : start + _CHUNK])))
        return len(old)

    # Retention --------------------------------------------------------------------------------------------------
    def delete_older_than(self, cutoff: datetime) -> list[tuple[str, str]]:
        """Really delete messages (and their judgments) older than ``cutoff``; returns the deleted keys."""
        with self.session() as s, s.begin():
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
        return keys

    # Deletion ---------------------------------------------------------------------------------------------------
    # Deleted content must leave the files too, not only the tables: on SQLite the connections that delete or
    # blank it use ``secure_delete`` (freed bytes are overwritten) and the WAL is checkpointed and truncated, and
    # retention ends with ``vacuum``. On PostgreSQL the rows go and a plain ``VACUUM`` reclaims their dead versions;
    # PostgreSQL's own WAL archive and backups are the operator's to expire.
    def keys_older_than(self, cutoff: datetime) -> list[tuple[str, str]]:
        """Keys of the messages retention will delete (read first, so the index and the audit log can be cleaned
        before the archive forgets which messages they were)."""
        with self.session() as s:
            rows = s.execute(
                select(MessageRow.channel_id, MessageRow.ts).where(MessageRow.time < cutoff.timestamp())
            ).all()
        return [(r[0], r[1]) for r in rows]

    def blank_message(self, channel_id: str, ts: str) -> bool:
        """A member deleted the message in Slack: the row and its ts stay (threads, reply counts and flags keep
        pointing at it), marked deleted and queued so it leaves the index, but its text, raw text and files are
        blanked and its judgment (which quotes the text) is deleted. Moderation's flag keeps its excerpt until the
        retention period, as evidence for moderators."""
        with self.session() as s, s.begin():
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

    def audit_for_targets(self, targets: Iterable[str]) -> list[AuditEvent]:
        """Audit events about the given targets (e.g. ``flag:12``), oldest first."""
        wanted = sorted(set(targets))
        out: list[AuditRow] = []
        with self.session() as s:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                out.extend(s.scalars(select(AuditRow).where(AuditRow.target.in_(chunk))).all())
        return [_audit_event(r) for r in sorted(out, key=lambda r: r.id)]

    def redact_audit(self, events: Iterable[AuditEvent]) -> int:
        """Overwrite the reason and details of stored audit events (the only update the log allows: retention
        scrubbing quoted words and authors of deleted messages); returns how many rows changed."""
        changed = 0
        with self.session() as s, s.begin():
            self._secure(s)
            for e in events:
                row = s.get(AuditRow, e.id) if e.id is not None else None
                if row is None or (row.reason == e.reason and (row.details or {}) == e.details):
                    continue
                row.reason = e.reason
                row.details = dict(e.details)
                changed += 1
        if changed:
            self._checkpoint()
        return changed

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


def _audit_event(r: AuditRow) -> AuditEvent:
    return AuditEvent(
        id=r.id,
        at=_aware(r.at),
        actor=r.actor,
        action=r.action,
        target=r.target,
        reason=r.reason,
        details=r.details or {},
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _kind(value: str | None) -> Literal["channel", "im", "mpim"]:
    if value == "im":
        return "im"
    if value == "mpim":
        return "mpim"
    return "channel"


def _table(entity: Any) -> Table:
    """The ``Table`` of a mapped class (or the table itself)."""
    return entity if isinstance(entity, Table) else entity.__table__


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)

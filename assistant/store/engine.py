"""The archive's engine and sessions: SQLite (WAL, ``BEGIN IMMEDIATE`` for writers) or PostgreSQL.

Everything below the repositories: the URL check, the connection pragmas, NUL stripping before the driver, SQL
errors without row values, the session class whose ``begin()`` takes SQLite's write lock, and the hooks that
bump the version tokens (``versions.py``).
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from assistant.errors import ConfigError
from assistant.store.sql import json_dumps, strip_nul
from assistant.store.versions import bump_data_version, forget_content_write, note_content_write

#: Execution option marking a connection that will write: on SQLite its transaction starts ``BEGIN IMMEDIATE``.
WRITE = "assistant_write"
#: How long a SQLite connection waits for another's lock before "database is locked" (milliseconds).
_BUSY_MS = 10_000
_URL_HINT = "write it as postgresql://user:password@host:5432/database or sqlite:////path/to/archive.sqlite3"


def _has_nul(params: Any) -> bool:
    """Whether any string in ``params`` (a statement's parameters: a row, or a batch of rows) holds a NUL. Runs
    before every statement, so scalars are checked inline rather than by a call each (a batch of 500 rows has
    thousands of values)."""
    if isinstance(params, str):
        return "\x00" in params
    if isinstance(params, dict):
        values: Any = params.values()
    elif isinstance(params, list | tuple):
        values = params
    else:
        return False
    for v in values:
        if type(v) is str:
            if "\x00" in v:
                return True
        elif isinstance(v, dict | list | tuple | str) and _has_nul(v):
            return True
    return False


def _strip_nul_params(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
) -> tuple[str, Any]:
    """Last line before the driver: no string parameter carries a NUL (whatever table it is written to)."""
    if parameters and _has_nul(parameters):
        parameters = strip_nul(parameters)
    return statement, parameters


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``, retried: while another connection is switching a fresh file to WAL (or
    recovering or closing one), SQLite answers "database is locked" at once, without its busy handler, so
    writers opening a new archive together would fail at random. Retried until the busy timeout has passed."""
    deadline = time.monotonic() + _BUSY_MS / 1000
    pause = 0.001
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # the driver's own transaction handling off: SQLAlchemy's "begin" event below says BEGIN, and how
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_MS}")  # first: the statements below wait for other openers too
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Writers take SQLite's write lock up front (waiting up to the busy timeout): a transaction that read
    first and writes later would otherwise fail at once ("database is locked") when another writer got in."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


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
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, json_serializer=json_dumps)
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
    event.listen(engine, "before_cursor_execute", note_content_write)
    event.listen(engine, "rollback", forget_content_write)
    return engine


class ArchiveSession(Session):
    """A session whose explicit ``begin()`` (the archive's idiom for "this transaction writes") takes the write
    lock at once on SQLite; reads (autobegin) stay plain ``BEGIN`` and never wait for writers (WAL)."""

    def begin(self, nested: bool = False) -> SessionTransaction:
        transaction = super().begin(nested=nested)
        if not nested and self.bind is not None and self.bind.dialect.name == "sqlite":
            options: dict[str, Any] = {WRITE: True}
            self.connection(execution_options=options)
        return transaction


event.listen(ArchiveSession, "before_commit", lambda session: bump_data_version(session))


def lock_key(conn: Connection, purpose: str) -> int:
    """A 64-bit advisory lock key for this purpose in this database and schema (schemas share locks)."""
    database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
    digest = hashlib.blake2b(f"assistant:{purpose}:{database}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)

"""Data and directory version tokens: caches of computed answers see every committed change.

A connection notes each write to a content table (``before_cursor_execute``); before the session commits, the
state rows ``DATA_VERSION`` (and ``DIRECTORY_VERSION`` when members, channels or memberships changed) get a new
token in the same transaction. ``Archive.data_version()`` and ``directory_version()`` read them (``state.py``).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from assistant.store.schema import KeyValueRow
from assistant.store.sql import table_of, upsert_statement

#: Tables whose rows answers are computed from: a committed write to one of them changes ``DATA_VERSION``.
CONTENT_TABLES = frozenset({"messages", "judgments", "members", "channels", "memberships", "moderation_flags"})
#: State key holding a token that changes with every committed write to the content tables (any process).
DATA_VERSION = "data-version"
#: The directory (who and where: members, channels, memberships), which changes far less often than messages.
DIRECTORY_TABLES = frozenset({"members", "channels", "memberships"})
#: State key holding a token that changes with every committed write to the directory tables (any process).
DIRECTORY_VERSION = "directory-version"
#: State key holding the claims' revision: any write to the claims or their confirmed repeats changes it, and the
#: claim matrix is rebuilt (``assistant.claims``).
CLAIMS_REVISION = "claims.revision"
_WRITTEN = "assistant_content_written"
_DIRECTORY_WRITTEN = "assistant_directory_written"
_DML = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


def note_content_write(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    found = _DML.match(statement)
    if found and found.group(1).lower() in CONTENT_TABLES:
        conn.info[_WRITTEN] = True
        if found.group(1).lower() in DIRECTORY_TABLES:
            conn.info[_DIRECTORY_WRITTEN] = True


def forget_content_write(conn: Connection) -> None:
    conn.info.pop(_WRITTEN, None)
    conn.info.pop(_DIRECTORY_WRITTEN, None)


def bump_data_version(session: Session) -> None:
    """Before a session commits a write to the content tables, give the data a new version token in the same
    transaction: caches of computed answers (in this process or another) see the change on their next look,
    edits and deletions included, which row counts alone would miss."""
    if not session.in_transaction():
        return
    conn = session.connection()
    directory = conn.info.pop(_DIRECTORY_WRITTEN, False)
    if not conn.info.pop(_WRITTEN, False):
        return
    table = table_of(KeyValueRow)
    stmt = upsert_statement(conn.dialect.name, table, ["key"], ["value"])
    rows = [{"key": DATA_VERSION, "value": {"token": uuid.uuid4().hex}}]
    if directory:  # also the directory's own token: caches of members and channels keep through new messages
        rows.append({"key": DIRECTORY_VERSION, "value": {"token": uuid.uuid4().hex}})
    conn.execute(stmt, rows)
    forget_content_write(conn)

"""Statement helpers every repository of the archive shares: dialect upserts, NUL stripping, chunking.

Kept apart from the engine so the repositories and the version-token hooks can use them without importing the
engine's set-up (and without an import cycle between the two).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

R = TypeVar("R", bound=BaseModel)

#: Rows per ``IN (…)`` list or batch (well under every database's parameter limit).
CHUNK = 500


def strip_nul(value: Any) -> Any:
    """``value`` without NUL characters in any string it holds (PostgreSQL text and JSON refuse them)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {strip_nul(k): strip_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(strip_nul(v) for v in value)
    return value


def json_dumps(value: Any) -> str:
    """``value`` as JSON without NUL characters. ``json.dumps`` escapes a NUL as ``\\u0000``, so a dump without
    that sequence needs no stripping (one C-level search instead of a Python walk over every value)."""
    dumped = json.dumps(value)
    return dumped if "\\u0000" not in dumped else json.dumps(strip_nul(value))


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


def first_line(exc: BaseException | None) -> str:
    return str(exc or "").strip().splitlines()[0] if str(exc or "").strip() else type(exc).__name__


def table_of(entity: Any) -> Table:
    """The ``Table`` of a mapped class (or the table itself)."""
    return entity if isinstance(entity, Table) else entity.__table__


def append_record(session: Session, row_type: type[Any], record: R) -> R:
    """Insert ``record`` into an append-only table whose columns are its fields, and return it with the id the
    database gave the row."""
    row = row_type(**record.model_dump(exclude={"id"}))
    session.add(row)
    session.flush()
    return record.model_copy(update={"id": row.id})


def rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)

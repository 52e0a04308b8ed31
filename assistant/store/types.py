"""Column types the store shares, and its one naive-is-UTC helper."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that reads back aware UTC datetimes on every database (SQLite returns naive
    ones). Stored values and the schema are those of ``DateTime(timezone=True)``: no migration needed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware datetime: a naive one is taken to be UTC (what the store writes)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)

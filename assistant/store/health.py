"""What the Slack adapter needs to know about the database without touching SQLAlchemy: whether the archive
answers (the readiness probe) and which store errors are worth retrying later."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from assistant.errors import StoreError
from assistant.store.archive import Archive

#: The store unreachable for now (connection refused, DNS, timeouts, a restart): worth retrying later.
TRANSIENT_STORE_ERRORS: tuple[type[BaseException], ...] = (StoreError, OperationalError)


def archive_answers(archive: Archive) -> None:
    """Raise unless the archive's database answers ``SELECT 1``."""
    with archive.engine.connect() as conn:
        conn.execute(text("SELECT 1"))

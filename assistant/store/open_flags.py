"""Who has an open moderation flag, for readers outside moderation (insights' twinning suggests none of them):
one query kept in the store so insights opens no session and imports no moderation table."""

from __future__ import annotations

from sqlalchemy import select

from assistant.domain.records import FlagStatus
from assistant.store.moderation.tables import FlagRow


def open_flag_members(archive: object) -> set[str]:
    """Members with an open (not shadow) moderation flag; none for an archive without a database session."""
    session = getattr(archive, "_session", None)
    if session is None:
        return set()
    with session() as s:
        rows = s.execute(
            select(FlagRow.user_id).where(FlagRow.status == FlagStatus.OPEN.value, FlagRow.shadow.is_(False))
        ).all()
    return {str(uid) for (uid,) in rows if uid}

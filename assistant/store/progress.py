"""Where each stored message is in the one-way flow: indexed (encoded, judged, in the index) and moderated.

Two separate "done" marks, so a crash between the steps is finished by the next run instead of forgotten:
``Pipeline.process_pending`` picks up every message that lacks either mark.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select, update

from assistant.domain import Message
from assistant.store.archive import Archive, _row_to_message
from assistant.store.schema import MessageRow

_CHUNK = 500


def unfinished(archive: Archive, limit: int | None = None) -> list[Message]:
    """Stored messages not yet indexed or not yet moderated, oldest first."""
    q = (
        select(MessageRow)
        .where(or_(MessageRow.indexed.is_(False), MessageRow.moderated.is_(False)))
        .order_by(MessageRow.time)
    )
    if limit:
        q = q.limit(limit)
    with archive.session() as s:
        return [_row_to_message(r) for r in s.scalars(q).all()]


def is_finished(archive: Archive, channel_id: str, ts: str) -> bool:
    """Whether the message went through every step (a redelivered event for it then has nothing to do)."""
    with archive.session() as s:
        row = s.get(MessageRow, (channel_id, ts))
        return bool(row is not None and row.indexed and row.moderated)


def mark_moderated(archive: Archive, keys: Iterable[tuple[str, str]]) -> None:
    """Moderation's done mark, set after its flags (and any alert for the outbox) were written."""
    by_channel: dict[str, list[str]] = {}
    for cid, ts in keys:
        by_channel.setdefault(cid, []).append(ts)
    with archive.session() as s, s.begin():
        for cid, tss in by_channel.items():
            for start in range(0, len(tss), _CHUNK):
                s.execute(
                    update(MessageRow)
                    .where(MessageRow.channel_id == cid, MessageRow.ts.in_(tss[start : start + _CHUNK]))
                    .values(moderated=True)
                )

"""The directory repository: who and where (members, channels, memberships).

Changes here bump ``DIRECTORY_VERSION`` as well as ``DATA_VERSION`` (``versions.py``), so caches of names and
channels keep through new messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update

from assistant.domain import Channel, Member
from assistant.errors import NotFoundError
from assistant.store import aggregates
from assistant.store.base import ArchiveBase
from assistant.store.schema import ChannelRow, MemberRow, MembershipRow, MessageRow
from assistant.store.sql import CHUNK, rowcount

_MEMBER_COLUMNS = ("id", "name", "real_name", "display_name", "title", "is_bot", "deleted", "tz")


class DirectoryRepository(ArchiveBase):
    """Members, channels and memberships."""

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
        with self._session() as s, s.begin():
            s.execute(self.upsert(ChannelRow, ["id"], [k for k in rows[0] if k != "id"]), rows)
            if memberships:
                s.execute(self.upsert(MembershipRow, ["channel_id", "user_id"]), memberships)
        return len(rows)

    def upsert_members(self, members: Iterable[Member]) -> int:
        rows = list({m.id: m.model_dump() for m in members}.values())
        if not rows:
            return 0
        fields = ("name", "real_name", "display_name", "is_bot")
        with self._session() as s, s.begin():
            before: dict[str, tuple[Any, ...]] = {}
            ids = [r["id"] for r in rows]
            for start in range(0, len(ids), CHUNK):
                for found in s.execute(
                    select(MemberRow.id, *(getattr(MemberRow, f) for f in fields)).where(
                        MemberRow.id.in_(ids[start : start + CHUNK])
                    )
                ):
                    before[found[0]] = tuple(found[1:])
            s.execute(self.upsert(MemberRow, ["id"], [k for k in rows[0] if k != "id"]), rows)
            # who counts and how mentions name them: aggregates of their messages change
            changed = [r["id"] for r in rows if before.get(r["id"]) != tuple(r[f] for f in fields)]
            touched: set[tuple[str, int]] = set()
            for start in range(0, len(changed), CHUNK):
                for cid, ts, thread_ts in s.execute(
                    select(MessageRow.channel_id, MessageRow.ts, MessageRow.thread_ts).where(
                        MessageRow.user_id.in_(changed[start : start + CHUNK])
                    )
                ):
                    touched |= aggregates.touched(cid, ts, thread_ts)
            aggregates.refresh(s.connection(), touched)
        return len(rows)

    def add_membership(self, channel_id: str, user_id: str, joined_at: datetime | None) -> None:
        """Record a membership; a known join time only moves earlier (the first join seen is the join)."""
        with self._session() as s, s.begin():
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
        with self._session() as s, s.begin():
            result = s.execute(
                delete(MembershipRow).where(
                    MembershipRow.channel_id == channel_id, MembershipRow.user_id == user_id
                )
            )
            return rowcount(result) > 0

    def channel_names(self) -> dict[str, str]:
        """Every channel's id -> name, without its members (what alerts and policies need, per batch)."""
        with self._session() as s:
            return {str(cid): str(name) for cid, name in s.execute(select(ChannelRow.id, ChannelRow.name))}

    def channels(self) -> list[Channel]:
        with self._session() as s:
            rows = s.scalars(select(ChannelRow).order_by(ChannelRow.name)).all()
            members: dict[str, list[str]] = {}
            for mrow in s.scalars(select(MembershipRow)).all():
                members.setdefault(mrow.channel_id, []).append(mrow.user_id)
            channels = [Channel.model_validate(r, from_attributes=True) for r in rows]
            for c in channels:
                c.members = sorted(members.get(c.id, []))
            return channels

    def channel(self, ref: str) -> Channel:
        """A channel by id, name or ``#name``; raises ``NotFoundError`` naming what was asked."""
        wanted = ref.strip().lstrip("#")
        for c in self.channels():
            if wanted in (c.id, c.name):
                return c
        raise NotFoundError(f"No channel called {ref!r} is in the archive.")

    def memberships(self, channel_id: str | None = None) -> list[tuple[str, str, datetime | None]]:
        with self._session() as s:
            q = select(MembershipRow)
            if channel_id:
                q = q.where(MembershipRow.channel_id == channel_id)
            return [(r.channel_id, r.user_id, r.joined_at) for r in s.scalars(q).all()]

    def members(self) -> list[Member]:
        with self._session() as s:
            return [
                Member.model_validate(r, from_attributes=True)
                for r in s.execute(  # the columns, not ORM objects: every answer's snapshot reads all members
                    select(*(getattr(MemberRow, c) for c in _MEMBER_COLUMNS)).order_by(MemberRow.name)
                )
            ]

    def member_names(self) -> dict[str, str]:
        return {m.id: m.label for m in self.members()}

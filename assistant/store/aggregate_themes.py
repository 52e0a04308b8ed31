"""Stored want themes (issue 13): each channel's themes of wants, kept incrementally between re-clusterings.

Two tables, declared here on the archive's ``Base`` (migration 0006 creates them):

- ``want_themes``: one row per theme: its channel, label (as of its last re-clustering), centroid (the mean of its
  members' unit vectors, float32 bytes), size (members when the centroid was last updated) and when it was built;
- ``want_members``: one row per want message of a channel whose themes were built: its theme (null: a one-off,
  waiting for the next re-clustering), its similarity to the theme's centroid (the order of a theme's
  representatives) and its time.

A channel has stored themes once it has rows in ``want_members`` (a re-clustering wrote them); until then answers
cluster its wants on the fly (``assistant.insights.wants``). Nothing here holds message text but the theme labels,
which retention clears with the members it removes (``forget_before``). The logic (joining the nearest theme,
re-clustering) is in ``assistant.insights.themes``; this module only reads and writes the rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    and_,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from assistant.store.aggregate_tables import chunks
from assistant.store.schema import Base

if TYPE_CHECKING:  # NumPy is imported when vectors are read or written: the aggregate answers never load it
    import numpy as np


class WantThemeRow(Base):
    """One theme of a channel's wants (see ``assistant.store.aggregate_themes``)."""

    __tablename__ = "want_themes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: The mean of the members' unit vectors, float32 bytes.
    centroid: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    #: When the re-clustering that made it ran (seconds since the epoch).
    built: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_want_themes_channel", "channel_id"),)


class WantMemberRow(Base):
    """One want message of a channel with stored themes: its theme, or null while it waits as a one-off."""

    __tablename__ = "want_members"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    theme_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    similarity: Mapped[float] = mapped_column(Float)
    time: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_want_members_theme", "theme_id"), Index("ix_want_members_time", "time"))


THEMES = cast(Table, WantThemeRow.__table__)
WANT_MEMBERS = cast(Table, WantMemberRow.__table__)


def to_bytes(vector: np.ndarray) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    import numpy as np

    return np.frombuffer(data, dtype=np.float32).copy()


@dataclass
class StoredTheme:
    id: int
    label: str | None
    centroid: np.ndarray
    size: int
    built: float


@dataclass
class StoredMember:
    ts: str
    theme_id: int | None
    similarity: float
    time: float


@dataclass
class ChannelThemes:
    """A channel's stored themes and want members (``members`` empty: never built)."""

    channel_id: str
    themes: dict[int, StoredTheme] = field(default_factory=dict)
    members: dict[str, StoredMember] = field(default_factory=dict)

    @property
    def built(self) -> bool:
        return bool(self.members)


def lock_themes(conn: Connection, channel_id: str) -> None:
    """PostgreSQL: one writer of a channel's themes at a time (until the transaction ends), so a want joining a
    theme never interleaves with the channel's re-clustering. SQLite has one writer anyway."""
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"assistant:want_themes:{channel_id}".encode(), digest_size=8).digest()
    conn.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))


def read_channel(conn: Connection, channel_id: str, only: Sequence[str] | None = None) -> ChannelThemes:
    """A channel's themes and its want members (``only``: just these messages' rows, when present)."""
    out = ChannelThemes(channel_id)
    for r in conn.execute(select(THEMES).where(THEMES.c.channel_id == channel_id)):
        out.themes[r.id] = StoredTheme(r.id, r.label, from_bytes(r.centroid), r.size, r.built)
    where = WANT_MEMBERS.c.channel_id == channel_id
    for chunk in [None] if only is None else chunks(sorted(set(only))):
        cond = where if chunk is None else and_(where, WANT_MEMBERS.c.ts.in_(list(chunk)))
        for r in conn.execute(select(WANT_MEMBERS).where(cond)):
            out.members[r.ts] = StoredMember(r.ts, r.theme_id, r.similarity, r.time)
    return out


def built_channels(conn: Connection) -> set[str]:
    return {r[0] for r in conn.execute(select(WANT_MEMBERS.c.channel_id).distinct())}


@dataclass
class NewTheme:
    label: str
    centroid: np.ndarray
    #: (ts, similarity, time) of each member
    members: list[tuple[str, float, float]]


def replace_channel(
    conn: Connection,
    channel_id: str,
    themes: Sequence[NewTheme],
    one_offs: Iterable[tuple[str, float, float]],
    built: float,
) -> None:
    """A re-clustering's result for one channel replaces its stored themes and members (in the caller's
    transaction)."""
    conn.execute(delete(WANT_MEMBERS).where(WANT_MEMBERS.c.channel_id == channel_id))
    conn.execute(delete(THEMES).where(THEMES.c.channel_id == channel_id))
    rows: list[dict[str, Any]] = []
    for theme in themes:
        key = conn.execute(
            THEMES.insert().values(
                channel_id=channel_id,
                label=theme.label[:200],
                centroid=to_bytes(theme.centroid),
                size=len(theme.members),
                built=built,
            )
        ).inserted_primary_key
        theme_id = int(key[0]) if key is not None else None
        rows.extend(
            {"channel_id": channel_id, "ts": ts, "theme_id": theme_id, "similarity": sim, "time": time}
            for ts, sim, time in theme.members
        )
    rows.extend(
        {"channel_id": channel_id, "ts": ts, "theme_id": None, "similarity": sim, "time": time}
        for ts, sim, time in one_offs
    )
    for chunk in chunks(rows):
        conn.execute(WANT_MEMBERS.insert(), list(chunk))


def add_member(
    conn: Connection,
    channel_id: str,
    ts: str,
    time: float,
    theme: StoredTheme | None,
    similarity: float,
) -> None:
    """A new want joins ``theme`` (its centroid and size updated to include it) or waits as a one-off (None)."""
    if theme is not None:
        conn.execute(
            update(THEMES)
            .where(THEMES.c.id == theme.id)
            .values(centroid=to_bytes(theme.centroid), size=theme.size)
        )
    conn.execute(
        WANT_MEMBERS.insert().values(
            channel_id=channel_id,
            ts=ts,
            theme_id=theme.id if theme is not None else None,
            similarity=similarity,
            time=time,
        )
    )


def remove_members(conn: Connection, keys: Iterable[tuple[str, str]]) -> int:
    """Messages that are no longer wants (deleted, or re-judged) leave their themes; returns how many went."""
    gone = 0
    by_channel: dict[str, list[str]] = {}
    for cid, ts in keys:
        by_channel.setdefault(cid, []).append(ts)
    for cid, tss in by_channel.items():
        for chunk in chunks(sorted(set(tss))):
            gone += (
                conn.execute(
                    delete(WANT_MEMBERS).where(
                        WANT_MEMBERS.c.channel_id == cid, WANT_MEMBERS.c.ts.in_(list(chunk))
                    )
                ).rowcount
                or 0
            )
    return gone


def forget_themes_before(conn: Connection, cutoff: float) -> None:
    """Retention removed the messages older than ``cutoff``: their want rows go, and the labels of the themes they
    were in (words of those messages) are cleared until the next re-clustering."""
    touched = {
        r[0]
        for r in conn.execute(
            select(WANT_MEMBERS.c.theme_id).where(
                WANT_MEMBERS.c.time < cutoff, WANT_MEMBERS.c.theme_id.is_not(None)
            )
        )
    }
    conn.execute(delete(WANT_MEMBERS).where(WANT_MEMBERS.c.time < cutoff))
    for chunk in chunks(sorted(touched)):
        conn.execute(update(THEMES).where(THEMES.c.id.in_(list(chunk))).values(label=None))


class ThemeWrites:
    """One write transaction over the stored want themes (``ThemeStore.write``): what the joining and the
    re-clustering in ``assistant.insights.themes`` read and write, without holding the connection themselves."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def built_channels(self) -> set[str]:
        return built_channels(self._conn)

    def lock(self, channel_id: str) -> None:
        lock_themes(self._conn, channel_id)

    def read_channel(self, channel_id: str, only: Sequence[str] | None = None) -> ChannelThemes:
        return read_channel(self._conn, channel_id, only=only)

    def add_member(
        self, channel_id: str, ts: str, time: float, theme: StoredTheme | None, similarity: float
    ) -> None:
        add_member(self._conn, channel_id, ts, time, theme, similarity)

    def remove_members(self, keys: Iterable[tuple[str, str]]) -> int:
        return remove_members(self._conn, keys)

    def replace_channel(
        self,
        channel_id: str,
        themes: Sequence[NewTheme],
        one_offs: Iterable[tuple[str, float, float]],
        built: float,
    ) -> None:
        replace_channel(self._conn, channel_id, themes, one_offs, built)


class ThemeStore:
    """The stored want themes of one archive: reads in their own connection, writes in one transaction each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def write(self) -> Iterator[ThemeWrites]:
        """A write transaction (the archive's writer lock on SQLite), committed when the block ends."""
        from assistant.store.engine import WRITE

        with self.engine.execution_options(**{WRITE: True}).begin() as conn:
            yield ThemeWrites(conn)

    def built_channels(self) -> set[str]:
        with self.engine.connect() as conn:
            return built_channels(conn)

    def read_channel(self, channel_id: str, only: Sequence[str] | None = None) -> ChannelThemes:
        with self.engine.connect() as conn:
            return read_channel(conn, channel_id, only=only)

"""``InsightsService``: the one entry point adapters use for metrics, members, wants, topics, health, digests
and reports. It reads a snapshot of the archive (refreshed when the archive changes) and restricts it to the
channels the caller may see before computing anything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.clock import Clock, system_clock
from assistant.errors import NotFoundError
from assistant.insights import members as members_mod
from assistant.insights.data import Directory, Snapshot, load_snapshot
from assistant.insights.metrics import compute_metrics
from assistant.insights.models import (
    ChannelHealth,
    ChannelMetrics,
    ChannelWants,
    Contributor,
    Digest,
    MembersOverview,
    Newcomer,
    QuietMember,
    TopicsReport,
    Twin,
)
from assistant.insights.periods import PeriodName, rolling, to_date
from assistant.lazy import provided
from assistant.store import Archive

if TYPE_CHECKING:
    import numpy as np

    from assistant.insights.keywords import KeywordIndex
    from assistant.insights.member_profiles import MemberProfiles
    from assistant.insights.themes import WantThemes
    from assistant.store.index import Index

logger = logging.getLogger(__name__)


class InsightsService:
    """Computed insights over the archive; every method accepts ``visible_channel_ids`` and ``at``."""

    def __init__(
        self,
        archive: Archive,
        index: Index | Callable[[], Index],
        *,
        want_threshold: float = 0.5,
        quiet_weeks: int = 3,
        newcomer_days: int = 42,
        permalink_base: str | None = None,
        clock: Clock = system_clock,
        vectors: Callable[[Sequence[str]], dict[str, np.ndarray]] | None = None,
        profile_encoder: Callable[[], str] | None = None,
    ) -> None:
        self.archive = archive
        self.clock = clock
        # The index itself, or how to get it: metrics, members and digests never need vectors (nor the encoder).
        self._index: Index | None = None
        self._index_source = index
        #: how stored vectors are read (else from the index): the context's skips an index never created
        self._vectors = vectors
        #: the fingerprint of the encoder the stored vectors come from (read when first needed): with it, members'
        #: profiles are kept in the archive
        self.profile_encoder = profile_encoder
        self.want_threshold = want_threshold
        self.quiet_weeks = quiet_weeks
        self.newcomer_days = newcomer_days
        self.permalink_base = permalink_base
        self._snapshot: Snapshot | None = None
        self._stamp: str | None = None
        self._directory: tuple[str, Directory] | None = None
        self._lock = threading.Lock()
        self._keywords: tuple[int, KeywordIndex] | None = None
        self._want_themes: WantThemes | None = None

    # Snapshot ---------------------------------------------------------------------------------------------------
    def snapshot(self, visible_channel_ids: Iterable[str] | None = None) -> Snapshot:
        """The current snapshot, reloaded whenever the archive's content changed (added, edited or deleted, by
        this process or another: ``Archive.data_version``), restricted to visible channels. Its channels, members
        and memberships are read again only when they changed (``Archive.directory_version``): a new message
        costs the next answer no reading of the whole directory."""
        with self._lock:
            stamp = self.archive.data_version()
            if self._snapshot is None or stamp != self._stamp:
                self._snapshot = load_snapshot(
                    self.archive, permalink_base=self.permalink_base, directory=self._current_directory()
                )
                self._stamp = stamp
            snap = self._snapshot
        return snap.restrict(set(visible_channel_ids) if visible_channel_ids is not None else None)

    def _current_directory(self) -> Directory:
        """The directory, read again when its version changed (the version is read first: a change landing
        while it is read is read again next time)."""
        version = self.archive.directory_version()
        if self._directory is None or self._directory[0] != version:
            self._directory = (version, Directory.load(self.archive))
        return self._directory[1]

    def keyword_index(self) -> KeywordIndex:
        """BM25 over every stored message (built once per snapshot); callers filter by visibility."""
        from assistant.insights.keywords import KeywordIndex

        full = self.snapshot()
        with self._lock:
            if self._keywords is None or self._keywords[0] != id(full):
                self._keywords = (id(full), KeywordIndex(full.messages))
            return self._keywords[1]

    def refresh(self) -> None:
        with self._lock:
            self._snapshot = None
            self._directory = None

    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = provided(self._index_source)
        return self._index

    def vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        if self._vectors is not None:
            return self._vectors(keys)
        return self.index.message_vectors(keys)

    def channel_id(self, snap: Snapshot, channel: str) -> str:
        """Resolve a channel name (with or without #) or id within what the caller may see."""
        found = snap.resolve_channel(channel)
        if found is None:  # a channel the caller may not see is reported exactly like a missing one
            raise NotFoundError(f"No channel called {channel!r} is in the archive.")
        return found.id

    # Metrics ----------------------------------------------------------------------------------------------------
    # ``period`` here is a calendar period up to "now" (``at``, else the newest message): "this week" is the ISO
    # week to date, compared with the same days of last week. Rolling windows go through ``compute_metrics``.
    def channel_metrics(
        self,
        channel: str,
        period: PeriodName = "week",
        at: datetime | None = None,
        visible_channel_ids: Iterable[str] | None = None,
    ) -> ChannelMetrics:
        snap = self.snapshot(visible_channel_ids)
        return compute_metrics(snap, self.channel_id(snap, channel), to_date(period, snap.now(at)))

    def workspace_metrics(
        self,
        period: PeriodName = "week",
        at: datetime | None = None,
        visible_channel_ids: Iterable[str] | None = None,
    ) -> ChannelMetrics:
        snap = self.snapshot(visible_channel_ids)
        return compute_metrics(snap, None, to_date(period, snap.now(at)))

    def all_channel_metrics(
        self,
        period: PeriodName = "week",
        at: datetime | None = None,
        visible_channel_ids: Iterable[str] | None = None,
    ) -> list[ChannelMetrics]:
        """Channels with messages in the period or the one before (long-dead channels are left out)."""
        snap = self.snapshot(visible_channel_ids)
        ids = sorted(snap.channels, key=snap.channel_name)
        window = to_date(period, snap.now(at))
        rows = [compute_metrics(snap, cid, window) for cid in ids if snap.has_messages(cid)]
        return [r for r in rows if r.messages or (r.previous and r.previous.messages)]

    # Wants ------------------------------------------------------------------------------------------------------
    def wants(
        self,
        channel: str | None = None,
        at: datetime | None = None,
        visible_channel_ids: Iterable[str] | None = None,
    ) -> list[ChannelWants]:
        from assistant.insights.wants import channel_wants, solicited_for

        snap = self.snapshot(visible_channel_ids)
        ids = [self.channel_id(snap, channel)] if channel else sorted(snap.by_channel, key=snap.channel_name)
        out = [
            channel_wants(
                snap, cid, self.vectors, threshold=self.want_threshold, at=at, solicited=solicited_for(self, cid)
            )
            for cid in ids
        ]
        return out if channel else [w for w in out if w.wants]

    @property
    def want_themes(self) -> WantThemes:
        """The stored want themes (``assistant.insights.themes``): ``handle`` is a pipeline listener, ``recluster``
        the scheduled rebuild (``WantThemesTimer``)."""
        if self._want_themes is None:
            from assistant.insights.themes import WantThemes

            self._want_themes = WantThemes(
                self.archive, self.vectors, threshold=self.want_threshold, clock=self.clock
            )
        return self._want_themes

    # Members ----------------------------------------------------------------------------------------------------
    def _scoped(self, channel: str | None, visible_channel_ids: Iterable[str] | None) -> Snapshot:
        snap = self.snapshot(visible_channel_ids)
        return snap.restrict({self.channel_id(snap, channel)}) if channel else snap

    def quiet_members(
        self,
        channel: str | None = None,
        at: datetime | None = None,
        quiet_weeks: int | None = None,
        visible_channel_ids: Iterable[str] | None = None,
    ) -> list[QuietMember]:
        return members_mod.quiet_members(
            self._scoped(channel, visible_channel_ids), at=at, quiet_weeks=quiet_weeks or self.quiet_weeks
        )

    def top_contributors(
        self,
        channel: str | None = None,
        since: datetime | None = None,
        at: datetime | None = None,
        k: int = 5,
        visible_channel_ids: Iterable[str] | None = None,
    ) -> list[Contributor]:
        return members_mod.top_contributors(self._scoped(channel, visible_channel_ids), since=since, at=at, k=k)

    def unanswered_newcomers(
        self,
        channel: str | None = None,
        at: datetime | None = None,
        newcomer_days: int | None = None,
        visible_channel_ids: Iterable[str] | None = None,
    ) -> list[Newcomer]:
        """Newcomers to the (visible) workspace whose first message got no reply; ``channel`` filters by where
        that first message was posted."""
        snap = self.snapshot(visible_channel_ids)
        found = members_mod.unanswered_newcomers(snap, at=at, newcomer_days=newcomer_days or self.newcomer_days)
        if channel:
            cid = self.channel_id(snap, channel)
            found = [n for n in found if n.channel_id == cid]
        return found

    def twins(self, k: int = 5, visible_channel_ids: Iterable[str] | None = None) -> list[Twin]:
        from assistant.insights.twinning import open_flag_members

        flagged = open_flag_members(self.archive)  # nobody with an open moderation flag is suggested
        return members_mod.twins(
            self.snapshot(visible_channel_ids), self.vectors, k=k, flagged=flagged, profiles=self.member_profiles()
        )

    def member_profiles(self) -> MemberProfiles | None:
        """Members' profile vectors kept in the archive (``assistant.insights.member_profiles``), when the encoder
        the stored vectors were written under is known (``profile_encoder``); else twinning computes them."""
        encoder = self.profile_encoder() if self.profile_encoder is not None else ""
        if not encoder:
            return None
        from assistant.insights.member_profiles import MemberProfiles

        return MemberProfiles(self.archive, self.vectors, encoder)

    def members_overview(self, channel: str | None = None, at: datetime | None = None) -> MembersOverview:
        """Members worth a manager's attention in one channel or the workspace (twins: the workspace only)."""
        return MembersOverview(
            top_contributors=self.top_contributors(channel, at=at),
            quiet=self.quiet_members(channel, at=at),
            unanswered_newcomers=self.unanswered_newcomers(channel, at=at),
            twins=[] if channel else self.twins(),
        )

    # Topics -----------------------------------------------------------------------------------------------------
    def topics(self, channel: str | None = None, visible_channel_ids: Iterable[str] | None = None) -> TopicsReport:
        from assistant.insights.topics import topics_report

        snap = self.snapshot(visible_channel_ids)
        cid = self.channel_id(snap, channel) if channel else None
        return topics_report(snap, self.vectors, channel_id=cid)

    # Home tab, digest, report -------------------------------------------------------------------------------------
    def channel_health(self, channel_id: str, at: datetime | None = None) -> ChannelHealth:
        """Activity and mood for the Slack Home tab over the past 7 days (and 30) up to ``at``, which the live app
        sets to its clock's time (else the newest message); open flags are added by the Slack app."""
        from assistant.insights.wants import channel_wants

        snap = self.snapshot()
        cid = self.channel_id(snap, channel_id)
        now = snap.now(at)
        wants = channel_wants(snap, cid, self.vectors, threshold=self.want_threshold, at=now)
        return ChannelHealth(
            channel_id=cid,
            channel_name=snap.channel_name(cid),
            recent=compute_metrics(snap, cid, rolling(7, now)),
            past_30_days=compute_metrics(snap, cid, rolling(30, now)),
            top_wants=[t.label for t in wants.themes[:3]],
        )

    def digest(
        self,
        manager_id: str | None = None,
        channels: Sequence[str] | None = None,
        at: datetime | None = None,
        visible_channel_ids: Iterable[str] | None = None,
    ) -> Digest:
        from assistant.insights.digest import build_digest

        return build_digest(self, manager_id=manager_id, channels=channels, at=at, visible=visible_channel_ids)

    def report(
        self, path: Path | str, at: datetime | None = None, visible_channel_ids: Iterable[str] | None = None
    ) -> Path:
        from assistant.insights.report import write_report

        return write_report(self, Path(path), at=at, visible=visible_channel_ids)

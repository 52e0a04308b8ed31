"""Want themes maintained incrementally (issue 13): stored per channel (``assistant.store.aggregate_themes``), a new
want joins its nearest theme or waits as a one-off, and a re-clustering rebuilds the themes from all the wants on a
schedule. "What does #X want?" reads the current themes (``assistant.insights.wants.channel_wants``).

- ``WantThemes.handle``: a pipeline listener (``Pipeline.listeners``) for every processed batch: a message judged a
  want, in a channel whose themes were built, joins the theme whose centroid is nearest (cosine of at least
  ``JOIN_SIMILARITY``; the centroid moves to include it) or is stored as a one-off; a deleted message, or one
  re-judged as no want, leaves its theme.
- ``WantThemes.catch_up``: the same for wants judged while no listener ran (another process, an ingest before the
  themes existed); the answers do it too, without storing, so they never miss a want.
- ``WantThemes.recluster``: clusters every channel's wants again (``insights.wants.partition``, the on-the-fly
  algorithm: the same wants give the same themes) and replaces the stored ones. One-offs that now have company
  become themes, drifted themes split.
- ``WantThemesTimer``: runs ``catch_up`` and, once ``interval`` passed since the last one by the service's clock,
  ``recluster``, in a background thread (``start``/``stop``, like the app's other periodic jobs).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.clock import Clock, system_clock
from assistant.domain import Judgment, Message
from assistant.insights.labels import label_from_terms
from assistant.insights.wants import (
    JOIN_SIMILARITY,
    MAX_WANTS_PER_CHANNEL,
    WANT_DISTANCE,
    VectorLookup,
    nearest,
    partition,
    split_themes,
    want_messages,
)
from assistant.store.aggregate_themes import NewTheme, StoredMember, StoredTheme, ThemeStore, ThemeWrites

if TYPE_CHECKING:
    from assistant.insights.data import Snapshot
    from assistant.store import Archive

logger = logging.getLogger(__name__)

#: State key holding when the last re-clustering ran (``{"at": seconds since the epoch}``).
STATE_KEY = "insights:want_themes"
#: How often the background job re-clusters (seconds), and how often it catches up with new wants.
RECLUSTER_INTERVAL = 24 * 60 * 60.0
CATCH_UP_INTERVAL = 15 * 60.0


@dataclass
class ReclusterReport:
    channels: int = 0
    wants: int = 0
    themes: int = 0
    one_offs: int = 0
    seconds: float = 0.0


def is_want(judgment: Judgment | None, threshold: float) -> bool:
    return judgment is not None and (judgment.want.is_want or judgment.want.score >= threshold)


class WantThemes:
    """The stored want themes of one archive; ``vectors`` reads stored message vectors (the index)."""

    def __init__(
        self,
        archive: Archive,
        vectors: VectorLookup,
        *,
        threshold: float = 0.5,
        distance: float = WANT_DISTANCE,
        join_similarity: float = JOIN_SIMILARITY,
        clock: Clock = system_clock,
        snapshot: Callable[[], Snapshot] | None = None,
    ) -> None:
        self.archive = archive
        self.vectors = vectors
        self.threshold = threshold
        self.distance = distance
        self.join_similarity = join_similarity
        self.clock = clock
        self._snapshot = snapshot
        self._lock = threading.Lock()
        self.store = ThemeStore(archive.engine)

    # Incremental: one want at a time ------------------------------------------------------------------------------
    def handle(self, batch: Any) -> None:
        """Pipeline listener: wants of a processed batch join their themes; deleted messages leave theirs."""
        judgments = {(j.channel_id, j.ts): j for j in getattr(batch, "judgments", [])}
        messages: list[Message] = list(getattr(batch, "messages", []))
        vectors = getattr(batch, "vectors", None)
        wants: list[tuple[Message, np.ndarray]] = []
        not_wants: list[tuple[str, str]] = [(m.channel_id, m.ts) for m in getattr(batch, "removed", [])]
        for i, m in enumerate(messages):
            j = judgments.get((m.channel_id, m.ts))
            if j is None:
                continue
            if is_want(j, self.threshold) and vectors is not None and i < len(vectors):
                wants.append((m, np.asarray(vectors[i], dtype=np.float32)))
            else:
                not_wants.append((m.channel_id, m.ts))
        if not_wants:
            self.remove(not_wants)
        if wants:
            self.add(wants)

    def add(self, wants: Sequence[tuple[Message, np.ndarray]]) -> int:
        """Each want joins its channel's nearest theme or waits as a one-off; channels whose themes were never
        built are left to their first re-clustering (their answers cluster on the fly). Returns how many were
        stored; a want already stored keeps its place until the next re-clustering."""
        by_channel: dict[str, list[tuple[Message, np.ndarray]]] = {}
        for m, v in wants:
            by_channel.setdefault(m.channel_id, []).append((m, v))
        added = 0
        with self._lock, self.store.write() as writes:
            built = writes.built_channels()
            for cid in sorted(by_channel):
                if cid in built:
                    added += self._add_channel(writes, cid, by_channel[cid])
        return added

    def _add_channel(self, writes: ThemeWrites, cid: str, wants: list[tuple[Message, np.ndarray]]) -> int:
        writes.lock(cid)
        stored = writes.read_channel(cid, only=[m.ts for m, _ in wants])  # O(themes + this batch), not O(wants)
        added = 0
        for m, vector in sorted(wants, key=lambda w: (float(w[0].ts), w[0].ts)):
            if m.ts in stored.members:
                continue
            theme_id, _ = nearest(stored, vector, self.join_similarity)
            theme: StoredTheme | None = None
            similarity = 0.0
            if theme_id is not None:
                theme = stored.themes[theme_id]
                theme.centroid = ((theme.centroid * theme.size) + vector) / (theme.size + 1)
                theme.size += 1
                similarity = float(vector @ theme.centroid)
            writes.add_member(cid, m.ts, float(m.ts), theme, similarity)
            stored.members[m.ts] = _member(m.ts, theme_id, similarity)
            added += 1
        return added

    def remove(self, keys: Iterable[tuple[str, str]]) -> int:
        """Messages that are no longer wants (deleted, or re-judged) leave their themes."""
        with self._lock, self.store.write() as writes:
            return writes.remove_members(keys)

    def catch_up(self, channel_ids: Iterable[str] | None = None) -> int:
        """Wants of built channels without a stored row (judged while no listener ran) join their themes now."""
        from assistant.store.aggregates import AggregateReader

        reader = AggregateReader(self.archive.engine)
        built = self.store.built_channels()
        wanted = built if channel_ids is None else built & set(channel_ids)
        added = 0
        for cid in sorted(wanted):
            known = set(self.store.read_channel(cid).members)
            fresh = [m for m in reader.want_messages(cid, self.threshold) if m.ts not in known]
            if not fresh:
                continue
            found = self.vectors([m.key for m in fresh])
            added += self.add([(m, found[m.key]) for m in fresh if m.key in found])
        return added

    # Re-clustering ------------------------------------------------------------------------------------------------
    def recluster(
        self, channel_ids: Iterable[str] | None = None, *, at: datetime | None = None
    ) -> ReclusterReport:
        """Cluster each channel's wants again (the most recent ``MAX_WANTS_PER_CHANNEL``) and store the themes:
        the same partition, labels and order as clustering them on the fly."""
        import time

        from assistant.insights.data import load_snapshot

        started = time.perf_counter()
        snap = self._snapshot() if self._snapshot is not None else load_snapshot(self.archive)
        when = (at or self.clock()).timestamp()
        report = ReclusterReport()
        ids = sorted(snap.channels) if channel_ids is None else sorted(set(channel_ids) & set(snap.channels))
        for cid in ids:
            msgs = want_messages(snap, cid, self.threshold)[-MAX_WANTS_PER_CHANNEL:]
            found = self.vectors([m.key for m in msgs]) if msgs else {}
            msgs = sorted((m for m in msgs if m.key in found), key=lambda m: (float(m.ts), m.key))
            themes, one_offs = self._cluster(snap, msgs, found)
            with self._lock, self.store.write() as writes:
                writes.lock(cid)
                if msgs or writes.read_channel(cid).built:
                    writes.replace_channel(cid, themes, one_offs, when)
            if msgs:
                report.channels += 1
            report.wants += len(msgs)
            report.themes += len(themes)
            report.one_offs += len(one_offs)
        self.archive.set_state(STATE_KEY, {"at": when})
        report.seconds = time.perf_counter() - started
        logger.info(
            "want themes re-clustered: %d channels, %d wants, %d themes, %d one-offs in %.1f s",
            report.channels,
            report.wants,
            report.themes,
            report.one_offs,
            report.seconds,
        )
        return report

    def _cluster(
        self, snap: Snapshot, msgs: list[Message], found: dict[str, np.ndarray]
    ) -> tuple[list[NewTheme], list[tuple[str, float, float]]]:
        if not msgs:
            return [], []
        mat = np.stack([found[m.key] for m in msgs]).astype(np.float32)
        groups, scores = partition(mat, self.distance)
        themed, singles, terms = split_themes(snap, msgs, groups)
        themes = []
        for n, idx in enumerate(themed):
            first = max(idx, key=lambda i: (scores[i], -float(msgs[i].ts)))
            themes.append(
                NewTheme(
                    label=label_from_terms(terms.get(str(n), []), fallback=msgs[first].text[:40]),
                    centroid=mat[idx].mean(axis=0),
                    members=[(msgs[i].ts, scores[i], float(msgs[i].ts)) for i in idx],
                )
            )
        return themes, [(msgs[i].ts, scores[i], float(msgs[i].ts)) for i in singles]

    def last_built(self) -> float | None:
        state = self.archive.get_state(STATE_KEY)
        value = (state or {}).get("at")
        return float(value) if value is not None else None

    def due(self, interval: float = RECLUSTER_INTERVAL) -> bool:
        """Whether a re-clustering is due: never ran, or ``interval`` seconds passed by the clock."""
        last = self.last_built()
        return last is None or self.clock().timestamp() - last >= interval


def _member(ts: str, theme_id: int | None, similarity: float) -> StoredMember:
    return StoredMember(ts, theme_id, similarity, float(ts))


class WantThemesTimer:
    """Keeps the want themes in the background: catches up with new wants every ``every`` seconds and
    re-clusters once ``interval`` seconds passed since the last re-clustering (at start-up when none ran)."""

    job_name = "want-themes"

    def __init__(
        self, themes: WantThemes, interval: float = RECLUSTER_INTERVAL, every: float = CATCH_UP_INTERVAL
    ) -> None:
        self.themes = themes
        self.interval = interval
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.job_name, daemon=True)

    def run_once(self) -> int:
        """Re-cluster when due, else catch up; returns the wants placed."""
        if self.themes.due(self.interval):
            return self.themes.recluster().wants
        return self.themes.catch_up()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # keep the timer alive whatever one run met
                logger.exception("%s failed", self.job_name)
            self._stop.wait(self.every)

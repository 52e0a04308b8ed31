"""Flagging: judged messages become flags with evidence, grouped into alerts; edits are judged again and
deletions marked. Idempotent per message; every flag, re-judgment and deletion is audited."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

import numpy as np

from assistant.domain import Judgment, Message
from assistant.domain.judgments import Evidence
from assistant.domain.records import FlagStatus
from assistant.errors import AssistantError
from assistant.moderation import audit
from assistant.moderation.evidence import CLEAR_CATEGORY, JUDGMENT_QUERIES, similar_flags
from assistant.moderation.models import Alert, ChannelPolicy, FlagRecord, SimilarFlag
from assistant.moderation.rules import Crossing, evaluate
from assistant.moderation.scope import FlagSources
from assistant.store.moderation import FlagSummary

if TYPE_CHECKING:
    from assistant.pipeline import ProcessedBatch
    from assistant.store.moderation import FlagWrites, ModerationStore

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 300
_SIMILAR_POOL = 500
#: What a re-judgment takes from a fresh flag when the message still crosses.
_EVIDENCE = ("judgment", "score", "threshold", "span", "clause_ref", "refuting_fact", "categories")


class AlertReader(Protocol):
    """The current state of an alert (``ModerationReports.alert``); what many alerts share may be passed in."""

    def __call__(
        self,
        alert_id: int,
        *,
        is_update: bool = False,
        names: Mapping[str, str] | None = None,
        channel_names: Mapping[str, str] | None = None,
    ) -> Alert: ...


@dataclass
class _BatchEvidence:
    """What a batch's flags share, read once per batch (under the scope's lock, so no other flagging in this
    process changes it meanwhile): each crossing message's clause similarities (one index query), and the pool of
    the newest ``_SIMILAR_POOL`` flags with their vectors, kept current as the batch adds and updates flags."""

    clause_sims: dict[tuple[str, str], dict[int, float]] = field(default_factory=dict)
    pool: list[FlagSummary] | None = None
    pool_vectors: dict[str, np.ndarray] = field(default_factory=dict)

    def keep(self, flag: FlagRecord, vector: np.ndarray | None) -> None:
        """A flag the batch stored: the pool as ``ModerationStore.newest_summaries(_SIMILAR_POOL)`` reads it now."""
        if self.pool is None:
            return  # not read yet: the first read finds it
        pool = [f for f in self.pool if f.id != flag.id]
        pool.append(FlagSummary.of(flag))
        pool.sort(key=lambda f: (float(f.ts), f.id))  # the store's order: message time, then id
        self.pool = pool[-_SIMILAR_POOL:]
        if vector is not None:
            self.pool_vectors[f"{flag.channel_id}:{flag.ts}"] = vector


class _BatchWrites:
    """A batch's flag writes and their audit events in one transaction (``ModerationStore.writing``), opened at
    the first write and committed when the batch's flagging ends; reads go through it once it is open, so they see
    what the batch wrote. ``channels``: those whose alert grouping the transaction locks (where new flags may go)."""

    def __init__(self, store: ModerationStore, stack: ExitStack, channels: Iterable[str]) -> None:
        self._store = store
        self._stack = stack
        self._channels = sorted(set(channels))
        self._open: FlagWrites | None = None

    @property
    def write(self) -> FlagWrites:
        if self._open is None:
            self._open = self._stack.enter_context(self._store.writing(self._channels))
        return self._open

    def flag_for(self, channel_id: str, ts: str) -> FlagRecord | None:
        return (self._open or self._store).flag_for(channel_id, ts)

    def pool(self, last: int) -> list[FlagSummary]:
        return (self._open or self._store).newest_summaries(last)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clear_categories(judgment: Judgment) -> dict[str, float]:
    """The toxicity categories the judgment is clear about (hostile, insult, profanity, ...), likeliest first: the
    same bar (``CLEAR_CATEGORY``) at which a category steers which guideline clause the alert cites."""
    cats = sorted(judgment.toxicity.categories.items(), key=lambda kv: -kv[1])
    return {name: round(p, 2) for name, p in cats if p >= CLEAR_CATEGORY}


class FlaggingService:
    """Flags for processed batches, and the alerts they open or update."""

    def __init__(self, sources: FlagSources, alert: AlertReader) -> None:
        self.scope = sources.scope
        self.store = sources.store
        self.policies = sources.policies
        self.vectors = sources.vectors
        self.alert = alert
        self._batch = _BatchEvidence()

    def handle(self, batch: ProcessedBatch) -> list[Alert]:
        """Flags for a processed batch; returns the alerts to post or update (none in shadow mode).

        A batch is judged once: moderation runs as a pipeline listener (``moderate``), and the alerts are rendered
        once, when first asked for, and kept on the batch (``batch.alerts``), so the adapter that started the batch
        (the Slack app) reads them from here.
        """
        if batch.alerts is not None:
            return batch.alerts
        touched = self.moderate(batch)
        with self.scope.lock:
            alerts = self._alerts(touched)
        batch.alerts = alerts
        return alerts

    def moderate(self, batch: ProcessedBatch) -> dict[int, bool]:
        """The pipeline listener: flags for a processed batch, once; returns the alerts they opened or updated
        (alert id -> whether it existed before the batch), kept on the batch (``batch.alert_updates``). Nothing is
        rendered: an export ingest or a catch-up announces nothing, and ``handle`` renders what a live batch shows."""
        if batch.alert_updates is None:
            with self.scope.lock:
                batch.alert_updates = self._handle(batch)
        return batch.alert_updates

    def _handle(self, batch: ProcessedBatch) -> dict[int, bool]:
        touched: dict[int, bool] = {}  # alert id -> is an update of an alert that existed before this batch
        for gone in batch.removed:
            if gone.deleted:
                flag = self._mark_deleted(gone.channel_id, gone.ts)
                if flag is not None and flag.alert_id is not None and not flag.shadow:
                    touched[flag.alert_id] = True
        if not batch.messages or not batch.judgments:
            return touched
        self._batch = _BatchEvidence()
        try:
            return self._flag_batch(batch, touched)
        finally:
            self._batch = _BatchEvidence()

    def _alerts(self, touched: dict[int, bool]) -> list[Alert]:
        """The touched alerts, rendered with the names they share read once."""
        if not touched:
            return []
        names = self.scope.archive.member_names()
        channels = self.scope.channel_names()
        return [
            self.alert(alert_id, is_update=update, names=names, channel_names=channels)
            for alert_id, update in touched.items()
        ]

    def _flag_batch(self, batch: ProcessedBatch, touched: dict[int, bool]) -> dict[int, bool]:
        judgments = {(j.channel_id, j.ts): j for j in batch.judgments}
        vectors = batch.vectors if len(batch.vectors) == len(batch.messages) else None
        overrides = self.policies.overrides()
        names = self.scope.channel_names()
        flagged = self.store.flagged([(m.channel_id, m.ts) for m in batch.messages])
        # Each message's crossing first (the rule alone), so the clauses of all the batch's flags are retrieved in
        # one index query.
        plans: list[tuple[Message, Judgment, np.ndarray | None, ChannelPolicy, Crossing | None]] = []
        for i, message in enumerate(batch.messages):
            judgment = judgments.get((message.channel_id, message.ts))
            if judgment is None:
                continue
            vector = vectors[i] if vectors is not None else None
            policy = self.policies.resolve(message.channel_id, names.get(message.channel_id), overrides=overrides)
            try:
                crossing = evaluate(policy, message, judgment)
            except AssistantError as exc:  # one bad message must not stop the batch
                logger.warning("moderation skipped %s: %s", message.key, exc)
                continue
            plans.append((message, judgment, vector, policy, crossing))
        self._prefetch_clauses(plans)
        # Every flag the batch stores or updates, and every audit event about one, in one transaction.
        with ExitStack() as stack:
            writes = _BatchWrites(self.store, stack, (p[0].channel_id for p in plans if p[4] is not None))
            for message, judgment, vector, policy, crossing in plans:
                was_flagged = (message.channel_id, message.ts) in flagged
                try:
                    result = self._judge_message(message, judgment, vector, policy, was_flagged, crossing, writes)
                except AssistantError as exc:  # one bad message must not stop the batch
                    logger.warning("moderation skipped %s: %s", message.key, exc)
                    continue
                if result is not None:
                    flag, existed = result
                    if flag.alert_id is not None and not flag.shadow:
                        touched.setdefault(flag.alert_id, existed)
                elif batch.announce and was_flagged:
                    # Judged the same as before: a live redelivery after a crash. Its alert is offered again; the
                    # adapter's outbox skips alerts it already posted, so nothing is announced twice.
                    earlier = writes.flag_for(message.channel_id, message.ts)
                    if earlier is not None and earlier.alert_id is not None and not earlier.shadow:
                        touched.setdefault(earlier.alert_id, False)
        return touched

    def _prefetch_clauses(
        self, plans: list[tuple[Message, Judgment, np.ndarray | None, ChannelPolicy, Crossing | None]]
    ) -> None:
        """The clause similarities of every message that crosses (each needs its clause), in one index query."""
        if not self.vectors.knowledge.clauses:
            return
        wanted = [
            (message.channel_id, message.ts, vector)
            for message, _, vector, _, crossing in plans
            if crossing is not None
            and crossing.judgment in JUDGMENT_QUERIES
            and vector is not None
            and vector.size
        ]
        if not wanted:
            return
        sims = self.vectors.clauses.own_similarities([v for _, _, v in wanted])
        self._batch.clause_sims = {(c, t): own for (c, t, _), own in zip(wanted, sims, strict=True)}

    def _judge_message(
        self,
        message: Message,
        judgment: Judgment,
        vector: np.ndarray | None,
        policy: ChannelPolicy,
        was_flagged: bool,
        crossing: Crossing | None,
        writes: _BatchWrites,
    ) -> tuple[FlagRecord, bool] | None:
        """The new or updated flag of a message, and whether its alert existed before (an update), given the
        rule's outcome (``crossing``, evaluated for the whole batch first).
        ``was_flagged`` False (the batch's one lookup found no flag) spares the per-message query; a flag another
        process adds meanwhile is still found by ``insert``, which returns it rather than a second one."""
        existing = writes.flag_for(message.channel_id, message.ts) if was_flagged else None
        if existing is not None:
            return self._rejudge(existing, message, judgment, vector, crossing, writes)
        if crossing is None:
            return None
        flag = self._build_flag(message, judgment, vector, crossing, shadow=policy.shadow, writes=writes)
        if flag.shadow:
            stored, grouped = writes.write.insert(flag), False
        else:
            # One transaction, one grouping per channel at a time in any process (this service's lock is only
            # this process's): two replicas flagging one member's burst at once still make one alert.
            placed = writes.write.insert_grouped(flag, self.scope.settings.alert_group_minutes * 60)
            if placed is None:  # another process flagged this message meanwhile: its flag and alert stand
                return None
            stored, grouped = placed
        self._batch.keep(stored, vector)
        if vector is not None:
            self.vectors.remember(message.key, vector)  # only flagged messages: the pool similar flags come from
        writes.write.append_audit(
            audit.event(
                "assistant",
                "flag_created",
                f"flag:{stored.id}",
                f"{crossing.judgment} {crossing.score:.2f} >= {crossing.threshold:.2f}",
                channel_id=message.channel_id,
                ts=message.ts,
                user_id=message.user_id,
                scores=crossing.scores,
                clause=stored.clause_ref.number if stored.clause_ref else None,
                shadow=stored.shadow,
                alert_id=stored.alert_id,
                span=stored.span.text if stored.span else None,
            )
        )
        return stored, grouped

    def _rejudge(
        self,
        existing: FlagRecord,
        message: Message,
        judgment: Judgment,
        vector: np.ndarray | None,
        crossing: Crossing | None,
        writes: _BatchWrites,
    ) -> tuple[FlagRecord, bool] | None:
        new_excerpt = excerpt(message.text)
        scores = crossing.scores if crossing else {n: round(judgment.score(n), 4) for n in existing.scores}
        if new_excerpt == existing.excerpt and scores == existing.scores:
            return None  # the same message judged the same way: nothing to do (idempotent re-ingest)
        before = {"score": existing.score, "scores": existing.scores, "excerpt": existing.excerpt}
        updated = existing.model_copy(deep=True)
        updated.edits += 1
        updated.excerpt = new_excerpt
        updated.scores = scores
        if crossing is not None:
            fresh = self._build_flag(message, judgment, vector, crossing, shadow=existing.shadow, writes=writes)
            for attr in _EVIDENCE:
                setattr(updated, attr, getattr(fresh, attr))
            updated.crossed = crossing.crossed
        else:
            updated.score = scores.get(existing.judgment, 0.0)
            updated.crossed = []
        stored = writes.write.update(updated)
        self._batch.keep(stored, vector)
        if vector is not None:
            self.vectors.remember(message.key, vector)
        writes.write.append_audit(
            audit.event(
                "assistant",
                "flag_rejudged",
                f"flag:{stored.id}",
                (
                    "message edited; judged again"
                    if new_excerpt != existing.excerpt
                    else "judged again by a new model"
                )
                + ("" if crossing else "; now below every threshold (flag kept for the record)"),
                channel_id=message.channel_id,
                ts=message.ts,
                before=before,
                after={"score": stored.score, "scores": stored.scores, "excerpt": stored.excerpt},
            )
        )
        return stored, True

    def _build_flag(
        self,
        message: Message,
        judgment: Judgment,
        vector: np.ndarray | None,
        crossing: Crossing,
        *,
        shadow: bool,
        writes: _BatchWrites,
    ) -> FlagRecord:
        own = self._batch.clause_sims.get((message.channel_id, message.ts))
        clause = self.vectors.clauses.find(vector, crossing.judgment, judgment, own=own)
        refuting: Evidence | None = None
        if "misinformation" in crossing.crossed:
            refuting = judgment.misinformation.refuting_fact
        similar = self._similar(message, vector, writes)
        return FlagRecord(
            channel_id=message.channel_id,
            ts=message.ts,
            user_id=message.user_id,
            thread_ts=message.thread_ts,
            judgment=crossing.judgment,
            score=crossing.score,
            threshold=crossing.threshold,
            span=crossing.span,
            clause_ref=clause,
            refuting_fact=refuting,
            similar_flags=similar,
            created_at=datetime.now(UTC),
            shadow=shadow,
            excerpt=excerpt(message.text),
            scores=crossing.scores,
            crossed=crossing.crossed,
            categories=clear_categories(judgment) if crossing.judgment == "toxicity" else {},
        )

    def _similar(self, message: Message, vector: np.ndarray | None, writes: _BatchWrites) -> list[SimilarFlag]:
        if vector is None:
            return []
        state = self._batch
        if state.pool is None:  # read once per batch, then kept current by ``_BatchEvidence.keep``
            state.pool = writes.pool(_SIMILAR_POOL)
            state.pool_vectors = self.vectors.get([f"{f.channel_id}:{f.ts}" for f in state.pool])
        pool = [f for f in state.pool if (f.channel_id, f.ts) != (message.channel_id, message.ts)]
        return similar_flags(vector, pool, state.pool_vectors)

    def on_deleted(self, channel_id: str, ts: str) -> FlagRecord | None:
        """A flagged message was deleted in Slack: mark its flag so (the decision history stays)."""
        with self.scope.lock:
            return self._mark_deleted(channel_id, ts)

    def _mark_deleted(self, channel_id: str, ts: str) -> FlagRecord | None:
        flag = self.store.flag_for(channel_id, ts)
        if flag is None or flag.message_deleted:
            return None
        updated = flag.model_copy()
        updated.message_deleted = True
        if flag.status != FlagStatus.REMOVED:
            updated.status = FlagStatus.MESSAGE_DELETED
        stored = self.store.update(updated)
        self.vectors.forget(f"{channel_id}:{ts}")
        audit.record(
            self.scope.archive,
            "assistant",
            "flag_message_deleted",
            f"flag:{stored.id}",
            "the flagged message was deleted",
            channel_id=channel_id,
            ts=ts,
            status_before=str(flag.status),
            status_after=str(stored.status),
        )
        return stored

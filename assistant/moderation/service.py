"""The moderation workflow: judged messages become flags with evidence, flags become alerts, moderators act.

One service per process. ``handle`` is called for every processed batch (export ingest, backfill and live
events alike); it is idempotent per message, re-judges edits and marks deletions. Every flag, action, refusal
and policy change is written to the append-only audit log.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.clock import Clock, system_clock
from assistant.config import Settings
from assistant.domain import AuditEvent, Judgment, Message
from assistant.domain.judgments import Evidence
from assistant.domain.records import FlagStatus, ModerationActionKind
from assistant.errors import AssistantError, NotFoundError, PermissionDeniedError
from assistant.knowledge import Knowledge
from assistant.lazy import provided
from assistant.moderation import audit
from assistant.moderation.calibration import allow_suggestions, calibrate_channel
from assistant.moderation.evidence import CLEAR_CATEGORY, ClauseFinder, similar_flags
from assistant.moderation.gateway import ModerationGateway
from assistant.moderation.models import (
    WORKSPACE,
    ActionOutcome,
    ActionRecord,
    Alert,
    CalibrationReport,
    ChannelPolicy,
    ClauseRef,
    DailyVolume,
    FlagRecord,
    ReplayReport,
    SimilarFlag,
)
from assistant.moderation.policy import PolicyStore, apply_changes, diff
from assistant.moderation.replay import run_replay
from assistant.moderation.rules import Crossing, evaluate
from assistant.prompts import render_prompt
from assistant.store import Archive
from assistant.store.moderation import ModerationStore

if TYPE_CHECKING:
    from assistant.pipeline import Judge, ProcessedBatch
    from assistant.store.index import Index

logger = logging.getLogger(__name__)

#: Actors that are the operator or the assistant itself (CLI on the host, calibration), not Slack users.
OPERATOR_PREFIXES = ("cli:", "assistant:")
CALIBRATION_ACTOR = "assistant:calibration"
EXCERPT_CHARS = 300
REMOVAL_HINT = (
    "Removing messages needs a Slack admin user token: set SLACK_ADMIN_TOKEN to the user token (xoxp-…) of a "
    "workspace admin with the chat:write scope, then restart the assistant."
)
REFUSAL = (
    "Sorry, only moderators can act on flags. If you think this message needs attention, please tell a member "
    "of the moderators' team."
)
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
_SIMILAR_POOL = 500
#: Where a processed batch keeps moderation's alerts (see ``ModerationService.handle``).
ALERTS_OUTCOME = "moderation.alerts"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class ModerationService:
    """Flags, alerts, actions, policy, calibration, replay and volume for every channel."""

    def __init__(
        self,
        archive: Archive,
        index: Index | Callable[[], Index],
        knowledge: Knowledge,
        settings: Settings,
        gateway: ModerationGateway | None = None,
        *,
        judge: Judge | Callable[[], Judge | None] | None = None,
        auto_calibrate: bool = True,
        clock: Clock = system_clock,
    ) -> None:
        self.archive = archive
        #: "now" for "the last N days" (flags, audit, replay)
        self.clock = clock
        # The index and the judge, or how to get them: policy, audit and flag reads never load a model.
        self._index_source = index
        self._judge_source = judge
        self.knowledge = knowledge
        self.settings = settings
        self.gateway = gateway
        self.auto_calibrate = auto_calibrate
        self.store = ModerationStore(archive)
        self.policies = PolicyStore(archive, settings)
        self._lock = threading.RLock()
        self._vectors: dict[str, np.ndarray] = {}

    @cached_property
    def index(self) -> Index:
        return provided(self._index_source)

    @cached_property
    def judge(self) -> Judge | None:
        return provided(self._judge_source)

    @cached_property
    def clauses(self) -> ClauseFinder:
        return ClauseFinder(self.index, self.knowledge)

    def attach_gateway(self, gateway: ModerationGateway | None) -> None:
        """The Slack app connects its side effects here once it has a client."""
        self.gateway = gateway

    # Who may act --------------------------------------------------------------------------------------------
    def moderators(self) -> set[str]:
        """Configured moderators, the moderators' group (via the gateway) and the moderators' channel members."""
        found = set(self.settings.moderators)
        if self.gateway is not None:
            found |= self.gateway.moderator_group_members() or set()
        ref = self.settings.moderators_channel or "moderators"
        try:
            channel = self.archive.channel(ref)
        except NotFoundError:
            if self.settings.moderators_channel:
                logger.warning("MODERATORS_CHANNEL %r is not in the archive", ref)
            return found
        return found | {user for _, user, _ in self.archive.memberships(channel.id)}

    def is_moderator(self, user_id: str | None) -> bool:
        return bool(user_id) and user_id in self.moderators()

    def _may_change_policy(self, actor_id: str) -> bool:
        return actor_id.startswith(OPERATOR_PREFIXES) or self.is_moderator(actor_id)

    # Policy -------------------------------------------------------------------------------------------------
    def _channel_key(self, channel_ref: str | None) -> tuple[str, str | None]:
        if channel_ref is None or channel_ref.strip() in ("", WORKSPACE, "all"):
            return WORKSPACE, None
        try:
            channel = self.archive.channel(channel_ref)
        except NotFoundError:
            if _CHANNEL_ID.match(channel_ref.strip()):
                return channel_ref.strip(), None
            raise
        return channel.id, channel.name

    def _channel_names(self) -> dict[str, str]:
        return {c.id: c.name for c in self.archive.channels()}

    def policy(self, channel_ref: str | None = None) -> ChannelPolicy:
        """The resolved policy of a channel (id, name or #name), or of the workspace with ``None``/``*``."""
        channel_id, name = self._channel_key(channel_ref)
        return self.policies.resolve(channel_id, name)

    def set_policy(
        self, channel_ref: str | None, actor_id: str, *, reason: str = "", **changes: Any
    ) -> ChannelPolicy:
        """Change a channel's (or the workspace's) policy; audited; refused for non-moderators."""
        channel_id, name = self._channel_key(channel_ref)
        with self._lock:
            if not self._may_change_policy(actor_id):
                audit.record(
                    self.archive,
                    actor_id,
                    "moderation_refused",
                    f"policy:{channel_id}",
                    REFUSAL,
                    changes=changes,
                )
                raise PermissionDeniedError("Only moderators can change the moderation policy.")
            before = self.policies.resolve(channel_id, name)
            updated = apply_changes(self.policies.override(channel_id), changes)
            self.policies.save(channel_id, updated)
            after = self.policies.resolve(channel_id, name)
            audit.record(
                self.archive,
                actor_id,
                "policy_changed",
                f"policy:{channel_id}",
                reason,
                channel_name=name,
                changes={k: v for k, v in changes.items() if v is not None},
                diff=diff(before, after),
            )
        return after

    def set_shadow(
        self, channel_ref: str | None, actor_id: str, shadow: bool = True, *, reason: str = ""
    ) -> ChannelPolicy:
        """Shadow mode: judge and log flags, alert no one."""
        return self.set_policy(channel_ref, actor_id, reason=reason, shadow=shadow)

    # Flagging -----------------------------------------------------------------------------------------------
    def handle(self, batch: ProcessedBatch) -> list[Alert]:
        """Flags for a processed batch; returns the alerts to post or update (none in shadow mode).

        A batch is judged once: moderation runs as a pipeline listener, and the alerts are kept on the batch
        (``batch.outcomes``), so the adapter that started the batch (the Slack app) reads them from here.
        """
        done = batch.outcomes.get(ALERTS_OUTCOME)
        if isinstance(done, list):
            return done
        with self._lock:
            alerts = self._handle(batch)
        batch.outcomes[ALERTS_OUTCOME] = alerts
        return alerts

    def _handle(self, batch: ProcessedBatch) -> list[Alert]:
        touched: dict[int, bool] = {}  # alert id -> is an update of an alert that existed before this batch
        for gone in batch.removed:
            if gone.deleted:
                flag = self._mark_deleted(gone.channel_id, gone.ts)
                if flag is not None and flag.alert_id is not None and not flag.shadow:
                    touched[flag.alert_id] = True
        if not batch.messages or not batch.judgments:
            return [self.alert(a, is_update=u) for a, u in touched.items()]
        judgments = {(j.channel_id, j.ts): j for j in batch.judgments}
        vectors = batch.vectors if len(batch.vectors) == len(batch.messages) else None
        overrides = self.policies.overrides()
        names = self._channel_names()
        for i, message in enumerate(batch.messages):
            judgment = judgments.get((message.channel_id, message.ts))
            if judgment is None:
                continue
            vector = vectors[i] if vectors is not None else None
            policy = self.policies.resolve(message.channel_id, names.get(message.channel_id), overrides=overrides)
            try:
                result = self._judge_message(message, judgment, vector, policy)
            except AssistantError as exc:  # one bad message must not stop the batch
                logger.warning("moderation skipped %s: %s", message.key, exc)
                continue
            if result is not None:
                flag, existed = result
                if flag.alert_id is not None and not flag.shadow:
                    touched.setdefault(flag.alert_id, existed)
            elif batch.announce:
                # Judged the same as before: a live redelivery after a crash. Its alert is offered again; the
                # adapter's outbox skips alerts it already posted, so nothing is announced twice.
                earlier = self.store.flag_for(message.channel_id, message.ts)
                if earlier is not None and earlier.alert_id is not None and not earlier.shadow:
                    touched.setdefault(earlier.alert_id, False)
        return [self.alert(alert_id, is_update=update) for alert_id, update in touched.items()]

    def _judge_message(
        self, message: Message, judgment: Judgment, vector: np.ndarray | None, policy: ChannelPolicy
    ) -> tuple[FlagRecord, bool] | None:
        """The new or updated flag of a message, and whether its alert existed before (an update)."""
        existing = self.store.flag_for(message.channel_id, message.ts)
        crossing = evaluate(policy, message, judgment)
        if existing is not None:
            return self._rejudge(existing, message, judgment, vector, crossing)
        if crossing is None:
            return None
        flag = self._build_flag(message, judgment, vector, crossing, shadow=policy.shadow)
        if flag.shadow:
            stored, grouped = self.store.insert(flag), False
        else:
            # One transaction, one grouping per channel at a time in any process (this service's lock is only
            # this process's): two replicas flagging one member's burst at once still make one alert.
            placed = self.store.insert_grouped(flag, self.settings.alert_group_minutes * 60)
            if placed is None:  # another process flagged this message meanwhile: its flag and alert stand
                return None
            stored, grouped = placed
        if vector is not None:
            self._vectors[message.key] = vector  # only flagged messages: the pool similar flags come from
        audit.record(
            self.archive,
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
        return stored, grouped

    def _rejudge(
        self,
        existing: FlagRecord,
        message: Message,
        judgment: Judgment,
        vector: np.ndarray | None,
        crossing: Crossing | None,
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
            fresh = self._build_flag(message, judgment, vector, crossing, shadow=existing.shadow)
            for attr in (
                "judgment",
                "score",
                "threshold",
                "span",
                "clause",
                "clause_ref",
                "refuting_fact",
                "categories",
            ):
                setattr(updated, attr, getattr(fresh, attr))
            updated.crossed = crossing.crossed
        else:
            updated.score = scores.get(existing.judgment, 0.0)
            updated.crossed = []
        stored = self.store.update(updated)
        if vector is not None:
            self._vectors[message.key] = vector
        audit.record(
            self.archive,
            "assistant",
            "flag_rejudged",
            f"flag:{stored.id}",
            ("message edited; judged again" if new_excerpt != existing.excerpt else "judged again by a new model")
            + ("" if crossing else "; now below every threshold (flag kept for the record)"),
            channel_id=message.channel_id,
            ts=message.ts,
            before=before,
            after={"score": stored.score, "scores": stored.scores, "excerpt": stored.excerpt},
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
    ) -> FlagRecord:
        clause = self.clauses.find(vector, crossing.judgment, judgment)
        refuting: Evidence | None = None
        if "misinformation" in crossing.crossed:
            refuting = judgment.misinformation.refuting_fact
        similar = self._similar(message, vector)
        return FlagRecord(
            channel_id=message.channel_id,
            ts=message.ts,
            user_id=message.user_id,
            thread_ts=message.thread_ts,
            judgment=crossing.judgment,
            score=crossing.score,
            threshold=crossing.threshold,
            span=crossing.span,
            clause=(
                Evidence(source="guideline", id=clause.id, text=clause.cite(), similarity=clause.similarity)
                if clause
                else None
            ),
            clause_ref=clause,
            refuting_fact=refuting,
            similar=[s.model_dump(mode="json") for s in similar],
            similar_flags=similar,
            created_at=datetime.now(UTC),
            shadow=shadow,
            excerpt=excerpt(message.text),
            scores=crossing.scores,
            crossed=crossing.crossed,
            categories=clear_categories(judgment) if crossing.judgment == "toxicity" else {},
        )

    def _similar(self, message: Message, vector: np.ndarray | None) -> list[SimilarFlag]:
        if vector is None:
            return []
        pool = [
            f
            for f in self.store.flags()[-_SIMILAR_POOL:]
            if (f.channel_id, f.ts) != (message.channel_id, message.ts)
        ]
        missing = [f"{f.channel_id}:{f.ts}" for f in pool if f"{f.channel_id}:{f.ts}" not in self._vectors]
        if missing:
            self._vectors.update(self.index.message_vectors(missing))
        return similar_flags(vector, pool, self._vectors)

    def on_deleted(self, channel_id: str, ts: str) -> FlagRecord | None:
        """A flagged message was deleted in Slack: mark its flag so (the decision history stays)."""
        with self._lock:
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
        self._vectors.pop(f"{channel_id}:{ts}", None)
        audit.record(
            self.archive,
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

    # Alerts -------------------------------------------------------------------------------------------------
    def alert(self, alert_id: int, *, is_update: bool = False) -> Alert:
        """The current state of an alert, for posting or re-rendering after an action."""
        flags = self.store.flags(alert_id=alert_id)
        if not flags:
            raise NotFoundError(f"No alert with id {alert_id} exists.")
        primary = max(flags, key=lambda f: (f.score - f.threshold, f.ts))
        names = self.archive.member_names()
        channel_name = self._channel_names().get(primary.channel_id)
        similar = [self._refresh_similar(s) for s in primary.similar_flags]
        history = self.store.actions([f.id for f in flags if f.id is not None])
        open_flags = [f for f in flags if f.status == FlagStatus.OPEN]
        status = str(FlagStatus.OPEN) if open_flags else str(flags[-1].status)
        removal = self.settings.slack_admin_token is not None
        return Alert(
            alert_id=alert_id,
            channel_id=primary.channel_id,
            channel_name=channel_name,
            author_id=primary.user_id,
            author_name=names.get(primary.user_id or ""),
            thread_ts=primary.thread_ts,
            flags=flags,
            excerpt=primary.excerpt,
            judgment=primary.judgment,
            scores=primary.scores,
            categories=primary.categories,
            span=primary.span,
            clause=primary.clause_ref,
            refuting_fact=primary.refuting_fact,
            similar=similar,
            removal_available=removal,
            removal_hint=None if removal else REMOVAL_HINT,
            status=status,
            history=history,
            is_update=is_update,
            grouped=len(flags),
        )

    def _refresh_similar(self, similar: SimilarFlag) -> SimilarFlag:
        try:
            current = self.store.flag(similar.flag_id)
        except NotFoundError:
            return similar
        return similar.model_copy(update={"status": str(current.status), "decision": current.decision})

    def flags(self, channel_ref: str | None = None, *, since_days: float | None = None) -> list[FlagRecord]:
        channel_id = self._channel_key(channel_ref)[0] if channel_ref else None
        since = self.clock() - timedelta(days=since_days) if since_days else None
        return self.store.flags(None if channel_id == WORKSPACE else channel_id, since=since)

    # Actions ------------------------------------------------------------------------------------------------
    def act(self, flag_id: int, kind: ModerationActionKind, actor_id: str, note: str = "") -> ActionOutcome:
        """A moderator's action on a flag. Non-moderators are refused (and audited); nothing else changes."""
        kind = ModerationActionKind(kind)
        note = note.strip()[:1000]
        with self._lock:
            flag = self.store.flag(flag_id)
            if not self.is_moderator(actor_id):
                audit.record(
                    self.archive,
                    actor_id,
                    "moderation_refused",
                    f"flag:{flag_id}",
                    REFUSAL,
                    kind=str(kind),
                    note=note,
                )
                return ActionOutcome(ok=False, refused=True, message=REFUSAL, flag=flag)
            ok, message, new_status, text = self._perform(flag, kind, actor_id, note)
            updated = flag
            if ok:
                updated = flag.model_copy()
                updated.decision = str(kind)
                updated.decided_by = actor_id
                if new_status is not None and not (flag.message_deleted and new_status != FlagStatus.REMOVED):
                    updated.status = new_status
                updated = self.store.update(updated)
            self.store.add_action(
                ActionRecord(
                    flag_id=flag_id,
                    kind=kind,
                    actor=actor_id,
                    at=datetime.now(UTC),
                    note=note,
                    ok=ok,
                    message=message,
                )
            )
            audit.record(
                self.archive,
                actor_id,
                "moderation_action" if ok else "moderation_action_failed",
                f"flag:{flag_id}",
                note or message,
                kind=str(kind),
                ok=ok,
                status_before=str(flag.status),
                status_after=str(updated.status),
                channel_id=flag.channel_id,
                ts=flag.ts,
                result=message,
            )
            if ok and self.auto_calibrate and kind != ModerationActionKind.DISMISS:
                self.calibrate(channel=flag.channel_id, apply=True)
            alert = self.alert(updated.alert_id, is_update=True) if updated.alert_id is not None else None
            return ActionOutcome(ok=ok, message=message, flag=updated, alert=alert, text_sent=text)

    def _perform(
        self, flag: FlagRecord, kind: ModerationActionKind, actor_id: str, note: str
    ) -> tuple[bool, str, FlagStatus | None, str | None]:
        """Do the side effect of an action: (ok, sentence for the moderator, new status, text written)."""
        if kind == ModerationActionKind.DISMISS:
            return True, "Dismissed: no action taken on the message.", FlagStatus.DISMISSED, None
        if kind == ModerationActionKind.FALSE_POSITIVE:
            return (
                True,
                "Marked as a false positive; the channel's threshold learns from it.",
                FlagStatus.FALSE_POSITIVE,
                None,
            )
        if kind == ModerationActionKind.WARN:
            if not flag.user_id:
                return False, "This message has no author to warn.", None, None
            text = self.warning_text(flag, note)
            if self.gateway is None:
                return (
                    False,
                    "No Slack connection here: the warning was not sent (nothing changed).",
                    None,
                    text,
                )
            try:
                self.gateway.send_warning(flag.user_id, text)
            except AssistantError as exc:
                return False, f"The warning could not be sent: {exc.message}", None, text
            return (
                True,
                f"Warned <@{flag.user_id}> privately, quoting the guideline.",
                FlagStatus.WARNED,
                text,
            )
        if kind == ModerationActionKind.REMOVE:
            if flag.message_deleted:
                return False, "The message was already deleted.", None, None
            if self.settings.slack_admin_token is None:
                return False, REMOVAL_HINT, None, None
            if self.gateway is None:
                return (
                    False,
                    "No Slack connection here: the message was not removed (nothing changed).",
                    None,
                    None,
                )
            try:
                self.gateway.remove_message(flag.channel_id, flag.ts)
            except AssistantError as exc:
                return False, f"The message could not be removed: {exc.message}", None, None
            return True, "Removed the message.", FlagStatus.REMOVED, None
        if kind == ModerationActionKind.ESCALATE:
            text = self.escalation_text(flag, actor_id, note)
            if self.gateway is None:
                return (
                    False,
                    "No Slack connection here: the moderators were not notified (nothing changed).",
                    None,
                    text,
                )
            try:
                self.gateway.notify_moderators(text)
            except AssistantError as exc:
                return False, f"The moderators could not be notified: {exc.message}", None, text
            return True, "Escalated to the moderators' group.", FlagStatus.ESCALATED, text
        raise ValueError(f"unknown action {kind}")

    def warning_text(self, flag: FlagRecord, note: str = "") -> str:
        """The private warning (``prompts/warn_member.md``), quoting the clause verbatim."""
        names = self.archive.member_names()
        clause = flag.clause_ref
        if clause is None and self.knowledge.clauses:
            first = self.knowledge.clauses[0]
            clause = ClauseRef(number=first.number, title=first.title, text=first.text)
        return render_prompt(
            "warn_member",
            member=names.get(flag.user_id or "", "there"),
            channel=self._channel_names().get(flag.channel_id, flag.channel_id),
            excerpt=flag.excerpt,
            clause=clause,
            refuting_fact=flag.refuting_fact.text if flag.refuting_fact else "",
            note=note,
        )

    def escalation_text(self, flag: FlagRecord, actor_id: str, note: str = "") -> str:
        names = self.archive.member_names()
        group = self.settings.moderators_group
        mention = f"<!subteam^{group}>" if group else "@moderators"
        return render_prompt(
            "escalate_flag",
            mention=mention,
            channel=self._channel_names().get(flag.channel_id, flag.channel_id),
            actor=f"<@{actor_id}>",
            excerpt=flag.excerpt,
            author=names.get(flag.user_id or "", flag.user_id or "unknown"),
            judgment=flag.judgment,
            score=f"{flag.score:.2f}",
            threshold=f"{flag.threshold:.2f}",
            clause=flag.clause_ref.cite() if flag.clause_ref else "",
            note=note,
        )

    # Learning from decisions --------------------------------------------------------------------------------
    def calibrate(self, channel: str | None = None, *, apply: bool = True) -> CalibrationReport:
        """Recompute each channel's threshold offsets from moderator decisions; apply (audited) if asked."""
        channel_id = self._channel_key(channel)[0] if channel else None
        decided = [f for f in self.store.flags(channel_id, decided_only=True) if not f.shadow]
        names = self._channel_names()
        report = CalibrationReport(applied=apply, allow_suggestions=allow_suggestions(decided))
        by_group: dict[tuple[str, str], list[FlagRecord]] = {}
        for f in decided:
            by_group.setdefault((f.channel_id, f.judgment), []).append(f)
        for (cid, judgment), group in sorted(by_group.items()):
            policy = self.policies.resolve(cid, names.get(cid))
            change = calibrate_channel(policy, judgment, group, self.settings)
            if change is None:
                continue
            report.changes.append(change)
            current = policy.calibration.get(judgment, 0.0)
            if apply and abs(change.offset - current) > 1e-9:
                self.set_policy(
                    cid,
                    CALIBRATION_ACTOR,
                    reason=f"calibrated {judgment} from moderator decisions: {change.reason}",
                    calibration={judgment: change.offset},
                )
        return report

    # Replay -------------------------------------------------------------------------------------------------
    def replay(
        self,
        channel: str | None = None,
        since_days: float | None = None,
        overrides: dict[str, float] | None = None,
    ) -> ReplayReport:
        """What a proposed policy would have flagged in stored history, and how it agrees with decisions."""
        channel_id, _ = self._channel_key(channel) if channel else (None, None)
        return run_replay(
            self,
            channel_id=channel_id if channel_id != WORKSPACE else None,
            since_days=since_days,
            overrides=dict(overrides or {}),
        )

    # Volume -------------------------------------------------------------------------------------------------
    def daily_volume(self, channel: str | None = None) -> list[DailyVolume]:
        """Alerts and flags per channel per day (message day, UTC), shadow flags excluded from alerts."""
        channel_id = self._channel_key(channel)[0] if channel else None
        names = self._channel_names()
        rows: dict[tuple[str, str], DailyVolume] = {}
        for _, cid, first in self.store.alerts(channel_id):
            day = datetime.fromtimestamp(first, tz=UTC).date().isoformat()
            row = rows.setdefault(
                (cid, day),
                DailyVolume(channel_id=cid, channel_name=names.get(cid), day=day, alerts=0, flags=0),
            )
            row.alerts += 1
        for f in self.store.flags(channel_id):
            day = datetime.fromtimestamp(float(f.ts), tz=UTC).date().isoformat()
            row = rows.setdefault(
                (f.channel_id, day),
                DailyVolume(
                    channel_id=f.channel_id, channel_name=names.get(f.channel_id), day=day, alerts=0, flags=0
                ),
            )
            row.flags += 1
        return sorted(rows.values(), key=lambda r: (r.day, r.channel_name or r.channel_id))

    # Retention ------------------------------------------------------------------------------------------------
    def delete_older_than(self, cutoff: datetime) -> int:
        """The retention sweep for moderation records (the only deletion there is); returns flags deleted."""
        with self._lock:
            return self.store.delete_older_than(cutoff)

    # Audit --------------------------------------------------------------------------------------------------
    def audit_log(self, since_days: float | None = None, action: str | None = None) -> list[AuditEvent]:
        since = self.clock() - timedelta(days=since_days) if since_days else None
        return self.archive.audit(since=since, action=action)

    def judged_history(
        self, channel_id: str | None, since: datetime | None
    ) -> tuple[list[Message], dict[tuple[str, str], Judgment], int]:
        """Stored conversation with its judgments; messages judged by an older model (or never) are judged
        again from their stored vectors when a judge is available. Returns (messages, judgments, re-judged)."""
        messages = self.archive.messages(channel_id, since=since, conversation_only=True)
        messages = [m for m in messages if m.text.strip()]
        judgments = self.archive.judgments(channel_id)
        rejudged = 0
        if self.judge is not None:
            stale = [
                m
                for m in messages
                if (j := judgments.get((m.channel_id, m.ts))) is None or j.model_version != self.judge.version
            ]
            if stale:
                stored = self.index.message_vectors([m.key for m in stale])
                have = [m for m in stale if m.key in stored]
                if have:
                    vectors = np.stack([stored[m.key] for m in have])
                    for j in self.judge.judge(have, vectors):
                        judgments[(j.channel_id, j.ts)] = j
                    rejudged = len(have)
        return messages, judgments, rejudged

    def message_vector(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        missing = [k for k in keys if k not in self._vectors]
        if missing:
            self._vectors.update(self.index.message_vectors(missing))
        return {k: self._vectors[k] for k in keys if k in self._vectors}


def clear_categories(judgment: Judgment) -> dict[str, float]:
    """The toxicity categories the judgment is clear about (hostile, insult, profanity, ...), likeliest first: the
    same bar (``CLEAR_CATEGORY``) at which a category steers which guideline clause the alert cites."""
    cats = sorted(judgment.toxicity.categories.items(), key=lambda kv: -kv[1])
    return {name: round(p, 2) for name, p in cats if p >= CLEAR_CATEGORY}

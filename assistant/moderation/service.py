"""The moderation workflow: judged messages become flags with evidence, flags become alerts, moderators act.

One ``ModerationService`` per process, a facade over small services that share a ``ModerationScope``:

- ``flagging.FlaggingService``: ``handle`` is called for every processed batch (export ingest, backfill and live
  events alike); it is idempotent per message, re-judges edits and marks deletions;
- ``actions.ActionService``: what moderators do to flags, one table entry per action;
- ``policy_changes.PolicyService``: policies, audited changes and calibration from decisions;
- ``replay.run_replay`` over ``history.StoredHistory``: a proposed policy tried on stored history;
- ``reporting.ModerationReports``: alerts, flags, daily volume and the audit log.

Every flag, action, refusal and policy change is written to the append-only audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from assistant.clock import Clock, system_clock
from assistant.config import Settings
from assistant.domain import AuditEvent
from assistant.domain.records import ModerationActionKind
from assistant.knowledge import Knowledge
from assistant.moderation.actions import ActionService
from assistant.moderation.flagging import FlaggingService, clear_categories, excerpt
from assistant.moderation.gateway import Mentions, ModerationGateway
from assistant.moderation.history import StoredHistory
from assistant.moderation.models import (
    WORKSPACE,
    ActionOutcome,
    Alert,
    CalibrationReport,
    ChannelPolicy,
    DailyVolume,
    FlagRecord,
    ReplayReport,
)
from assistant.moderation.policy import PolicyStore
from assistant.moderation.policy_changes import CALIBRATION_ACTOR, REFUSAL, PolicyService
from assistant.moderation.replay import run_replay
from assistant.moderation.reporting import REMOVAL_HINT, ModerationReports
from assistant.moderation.scope import OPERATOR_PREFIXES, FlagSources, ModerationScope
from assistant.moderation.vectors import FlagVectors
from assistant.store import Archive
from assistant.store.moderation import ModerationStore

if TYPE_CHECKING:
    from assistant.pipeline import Judge, ProcessedBatch
    from assistant.store.index import Index

__all__ = [
    "CALIBRATION_ACTOR",
    "OPERATOR_PREFIXES",
    "REFUSAL",
    "REMOVAL_HINT",
    "ModerationService",
    "clear_categories",
    "excerpt",
]


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
        self.knowledge = knowledge
        #: "now" for "the last N days" (flags, audit, replay)
        self.clock = clock
        self.scope = ModerationScope(archive, settings, clock, gateway)
        self.store = ModerationStore(archive)
        self.policies = PolicyStore(archive, settings)
        # The index and the judge load on first use: policy, audit and flag reads never load a model.
        self.vectors = FlagVectors(index, knowledge)
        self.reports = ModerationReports(self.scope, self.store)
        self.policy_service = PolicyService(self.scope, self.policies, self.store)
        sources = FlagSources(self.scope, self.store, self.policies, self.vectors)
        self.flagging = FlaggingService(sources, self.reports.alert)
        self.actions = ActionService(
            self.scope,
            self.store,
            knowledge,
            self.reports.alert,
            self.policy_service.calibrate,
            auto_calibrate=auto_calibrate,
        )
        self.history = StoredHistory(sources, judge)

    # The shared scope -------------------------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self.scope.settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self.scope.settings = value

    @property
    def gateway(self) -> ModerationGateway | None:
        return self.scope.gateway

    def attach_gateway(self, gateway: ModerationGateway | None, mentions: Mentions | None = None) -> None:
        """The Slack app connects its side effects here once it has a client, and how it mentions people."""
        self.scope.gateway = gateway
        if mentions is not None:
            self.scope.mentions = mentions

    # Who may act --------------------------------------------------------------------------------------------
    def moderators(self) -> set[str]:
        """Configured moderators, the moderators' group (via the gateway) and the moderators' channel members."""
        return self.scope.moderators()

    def is_moderator(self, user_id: str | None) -> bool:
        return self.scope.is_moderator(user_id)

    # Policy -------------------------------------------------------------------------------------------------
    def policy(self, channel_ref: str | None = None) -> ChannelPolicy:
        """The resolved policy of a channel (id, name or #name), or of the workspace with ``None``/``*``."""
        return self.policy_service.policy(channel_ref)

    def set_policy(
        self, channel_ref: str | None, actor_id: str, *, reason: str = "", **changes: Any
    ) -> ChannelPolicy:
        """Change a channel's (or the workspace's) policy; audited; refused for non-moderators."""
        return self.policy_service.set_policy(channel_ref, actor_id, reason=reason, **changes)

    def set_shadow(
        self, channel_ref: str | None, actor_id: str, shadow: bool = True, *, reason: str = ""
    ) -> ChannelPolicy:
        """Shadow mode: judge and log flags, alert no one."""
        return self.policy_service.set_shadow(channel_ref, actor_id, shadow, reason=reason)

    def calibrate(self, channel: str | None = None, *, apply: bool = True) -> CalibrationReport:
        """Recompute each channel's threshold offsets from moderator decisions; apply (audited) if asked."""
        return self.policy_service.calibrate(channel, apply=apply)

    # Flagging -----------------------------------------------------------------------------------------------
    def handle(self, batch: ProcessedBatch) -> list[Alert]:
        """Flags for a processed batch; returns the alerts to post or update (none in shadow mode)."""
        return self.flagging.handle(batch)

    def moderate(self, batch: ProcessedBatch) -> dict[int, bool]:
        """The pipeline listener: flags for a processed batch, the alerts not rendered (``handle`` renders them)."""
        return self.flagging.moderate(batch)

    def on_deleted(self, channel_id: str, ts: str) -> FlagRecord | None:
        """A flagged message was deleted in Slack: mark its flag so (the decision history stays)."""
        return self.flagging.on_deleted(channel_id, ts)

    # Actions ------------------------------------------------------------------------------------------------
    def act(self, flag_id: int, kind: ModerationActionKind, actor_id: str, note: str = "") -> ActionOutcome:
        """A moderator's action on a flag. Non-moderators are refused (and audited); nothing else changes."""
        return self.actions.act(flag_id, kind, actor_id, note)

    def warning_text(self, flag: FlagRecord, note: str = "") -> str:
        return self.actions.warning_text(flag, note)

    def escalation_text(self, flag: FlagRecord, actor_id: str, note: str = "") -> str:
        return self.actions.escalation_text(flag, actor_id, note)

    # Replay -------------------------------------------------------------------------------------------------
    def replay(
        self,
        channel: str | None = None,
        since_days: float | None = None,
        overrides: dict[str, float] | None = None,
    ) -> ReplayReport:
        """What a proposed policy would have flagged in stored history, and how it agrees with decisions."""
        channel_id = self.scope.channel_id(channel)
        return run_replay(
            self.history,
            channel_id=channel_id if channel_id != WORKSPACE else None,
            since_days=since_days,
            overrides=dict(overrides or {}),
        )

    # Reading back -------------------------------------------------------------------------------------------
    def alert(self, alert_id: int, *, is_update: bool = False) -> Alert:
        """The current state of an alert, for posting or re-rendering after an action."""
        return self.reports.alert(alert_id, is_update=is_update)

    def flags(self, channel_ref: str | None = None, *, since_days: float | None = None) -> list[FlagRecord]:
        return self.reports.flags(channel_ref, since_days=since_days)

    def daily_volume(self, channel: str | None = None) -> list[DailyVolume]:
        """Alerts and flags per channel per day (message day, UTC), shadow flags excluded from alerts."""
        return self.reports.daily_volume(channel)

    def audit_log(self, since_days: float | None = None, action: str | None = None) -> list[AuditEvent]:
        return self.reports.audit_log(since_days, action)

    # Retention ------------------------------------------------------------------------------------------------
    def delete_older_than(self, cutoff: datetime) -> int:
        """The retention sweep for moderation records (the only deletion there is); returns flags deleted."""
        with self.scope.lock:
            return self.store.delete_older_than(cutoff)

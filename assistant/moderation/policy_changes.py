"""Changing policy: moderators (and the operator) set a channel's or the workspace's policy, every change and
every refusal audited; calibration turns moderator decisions into threshold offsets through the same path."""

from __future__ import annotations

from typing import Any

from assistant.errors import PermissionDeniedError
from assistant.moderation import audit
from assistant.moderation.calibration import allow_suggestions, calibrate_channel
from assistant.moderation.models import CalibrationReport, ChannelPolicy, FlagRecord
from assistant.moderation.policy import PolicyStore, apply_changes, diff
from assistant.moderation.scope import ModerationScope
from assistant.store.moderation import ModerationStore

CALIBRATION_ACTOR = "assistant:calibration"
REFUSAL = (
    "Sorry, only moderators can act on flags. If you think this message needs attention, please tell a member "
    "of the moderators' team."
)


class PolicyService:
    """Resolved policies, audited changes and calibration."""

    def __init__(self, scope: ModerationScope, policies: PolicyStore, store: ModerationStore) -> None:
        self.scope = scope
        self.policies = policies
        self.store = store

    def policy(self, channel_ref: str | None = None) -> ChannelPolicy:
        """The resolved policy of a channel (id, name or #name), or of the workspace with ``None``/``*``."""
        channel_id, name = self.scope.channel_key(channel_ref)
        return self.policies.resolve(channel_id, name)

    def set_policy(
        self, channel_ref: str | None, actor_id: str, *, reason: str = "", **changes: Any
    ) -> ChannelPolicy:
        """Change a channel's (or the workspace's) policy; audited; refused for non-moderators."""
        channel_id, name = self.scope.channel_key(channel_ref)
        archive = self.scope.archive
        with self.scope.lock:
            if not self.scope.may_change_policy(actor_id):
                audit.record(
                    archive, actor_id, "moderation_refused", f"policy:{channel_id}", REFUSAL, changes=changes
                )
                raise PermissionDeniedError("Only moderators can change the moderation policy.")
            before = self.policies.resolve(channel_id, name)
            updated = apply_changes(self.policies.override(channel_id), changes)
            self.policies.save(channel_id, updated)
            after = self.policies.resolve(channel_id, name)
            audit.record(
                archive,
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

    def calibrate(self, channel: str | None = None, *, apply: bool = True) -> CalibrationReport:
        """Recompute each channel's threshold offsets from moderator decisions; apply (audited) if asked."""
        channel_id = self.scope.channel_id(channel)
        decided = [f for f in self.store.flags(channel_id, decided_only=True) if not f.shadow]
        names = self.scope.channel_names()
        report = CalibrationReport(applied=apply, allow_suggestions=allow_suggestions(decided))
        by_group: dict[tuple[str, str], list[FlagRecord]] = {}
        for f in decided:
            by_group.setdefault((f.channel_id, f.judgment), []).append(f)
        for (cid, judgment), group in sorted(by_group.items()):
            policy = self.policies.resolve(cid, names.get(cid))
            change = calibrate_channel(policy, judgment, group, self.scope.settings)
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

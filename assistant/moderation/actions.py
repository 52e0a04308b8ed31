"""Moderator actions on flags: dismiss, false positive, warn, remove, escalate.

Each action is one entry of a table (``ActionService._effects``) that does its side effect and returns an
``ActionResult``; those that need Slack go through ``_through_slack``, which says once what happens without a
connection. Non-moderators are refused (and audited); every action or attempt is logged and audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from assistant.domain.records import FlagStatus, ModerationActionKind
from assistant.errors import AssistantError
from assistant.knowledge import Knowledge
from assistant.moderation import audit
from assistant.moderation.flagging import AlertReader
from assistant.moderation.gateway import ModerationGateway
from assistant.moderation.models import ActionOutcome, ActionRecord, CalibrationReport, ClauseRef, FlagRecord
from assistant.moderation.policy_changes import REFUSAL
from assistant.moderation.reporting import REMOVAL_HINT
from assistant.moderation.scope import ModerationScope
from assistant.prompts import render_prompt
from assistant.store.moderation import ModerationStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActionResult:
    """How an action's side effect ended: the sentence for the moderator, the flag's new status when it
    worked, and the text written (a warning or an escalation), sent or not."""

    ok: bool
    message: str
    status: FlagStatus | None = None
    text: str | None = None


def _failed(message: str, text: str | None = None) -> ActionResult:
    return ActionResult(ok=False, message=message, text=text)


#: (flag, actor, note) -> the result of the action's side effect
Effect = Callable[[FlagRecord, str, str], ActionResult]
#: Told of every action that worked: (the flag as it was, the action, the moderator), e.g. the claims store
#: learning a confirmed repeat of a claim (``assistant.claims.repeats``).
ActionListener = Callable[[FlagRecord, ModerationActionKind, str], None]


class ActionService:
    """What moderators do to flags, and the texts those actions write."""

    def __init__(
        self,
        scope: ModerationScope,
        store: ModerationStore,
        knowledge: Knowledge,
        alert: AlertReader,
        calibrate: Callable[..., CalibrationReport],
        *,
        auto_calibrate: bool = True,
    ) -> None:
        self.scope = scope
        self.store = store
        self.knowledge = knowledge
        self.alert = alert
        self.calibrate = calibrate
        self.auto_calibrate = auto_calibrate
        self._effects: dict[ModerationActionKind, Effect] = {
            ModerationActionKind.DISMISS: self._dismiss,
            ModerationActionKind.FALSE_POSITIVE: self._false_positive,
            ModerationActionKind.WARN: self._warn,
            ModerationActionKind.REMOVE: self._remove,
            ModerationActionKind.ESCALATE: self._escalate,
        }
        self.listeners: list[ActionListener] = []

    def act(self, flag_id: int, kind: ModerationActionKind, actor_id: str, note: str = "") -> ActionOutcome:
        """A moderator's action on a flag. Non-moderators are refused (and audited); nothing else changes."""
        kind = ModerationActionKind(kind)
        note = note.strip()[:1000]
        archive = self.scope.archive
        with self.scope.lock:
            flag = self.store.flag(flag_id)
            if not self.scope.is_moderator(actor_id):
                audit.record(
                    archive, actor_id, "moderation_refused", f"flag:{flag_id}", REFUSAL, kind=str(kind), note=note
                )
                return ActionOutcome(ok=False, refused=True, message=REFUSAL, flag=flag)
            result = self._perform(flag, kind, actor_id, note)
            updated = flag
            if result.ok:
                updated = flag.model_copy()
                updated.decision = str(kind)
                updated.decided_by = actor_id
                status = result.status
                if status is not None and not (flag.message_deleted and status != FlagStatus.REMOVED):
                    updated.status = status
                updated = self.store.update(updated)
            self.store.add_action(
                ActionRecord(
                    flag_id=flag_id,
                    kind=kind,
                    actor=actor_id,
                    at=datetime.now(UTC),
                    note=note,
                    ok=result.ok,
                    message=result.message,
                )
            )
            audit.record(
                archive,
                actor_id,
                "moderation_action" if result.ok else "moderation_action_failed",
                f"flag:{flag_id}",
                note or result.message,
                kind=str(kind),
                ok=result.ok,
                status_before=str(flag.status),
                status_after=str(updated.status),
                channel_id=flag.channel_id,
                ts=flag.ts,
                result=result.message,
            )
            if result.ok:
                for listener in self.listeners:
                    try:
                        listener(flag, kind, actor_id)
                    except Exception:  # the action is done and recorded; what others learn from it is extra
                        logger.exception("flag %s: a listener of the %s action failed", flag_id, kind)
            if result.ok and self.auto_calibrate and kind != ModerationActionKind.DISMISS:
                self.calibrate(channel=flag.channel_id, apply=True)
            alert = self.alert(updated.alert_id, is_update=True) if updated.alert_id is not None else None
            return ActionOutcome(
                ok=result.ok, message=result.message, flag=updated, alert=alert, text_sent=result.text
            )

    def _perform(self, flag: FlagRecord, kind: ModerationActionKind, actor_id: str, note: str) -> ActionResult:
        """Do the side effect of an action."""
        effect = self._effects.get(kind)
        if effect is None:
            raise ValueError(f"unknown action {kind}")
        return effect(flag, actor_id, note)

    # The actions ------------------------------------------------------------------------------------------------
    def _dismiss(self, flag: FlagRecord, actor_id: str, note: str) -> ActionResult:
        return ActionResult(True, "Dismissed: no action taken on the message.", FlagStatus.DISMISSED)

    def _false_positive(self, flag: FlagRecord, actor_id: str, note: str) -> ActionResult:
        return ActionResult(
            True, "Marked as a false positive; the channel's threshold learns from it.", FlagStatus.FALSE_POSITIVE
        )

    def _warn(self, flag: FlagRecord, actor_id: str, note: str) -> ActionResult:
        author = flag.user_id
        if not author:
            return _failed("This message has no author to warn.")
        text = self.warning_text(flag, note)
        return self._through_slack(
            lambda gateway: gateway.send_warning(author, text),
            ActionResult(
                True,
                f"Warned {self.scope.mentions.user(author)} privately, quoting the guideline.",
                FlagStatus.WARNED,
                text,
            ),
            unsent="the warning was not sent",
            failed="The warning could not be sent",
        )

    def _remove(self, flag: FlagRecord, actor_id: str, note: str) -> ActionResult:
        if flag.message_deleted:
            return _failed("The message was already deleted.")
        if self.scope.settings.slack_admin_token is None:
            return _failed(REMOVAL_HINT)
        return self._through_slack(
            lambda gateway: gateway.remove_message(flag.channel_id, flag.ts),
            ActionResult(True, "Removed the message.", FlagStatus.REMOVED),
            unsent="the message was not removed",
            failed="The message could not be removed",
        )

    def _escalate(self, flag: FlagRecord, actor_id: str, note: str) -> ActionResult:
        text = self.escalation_text(flag, actor_id, note)
        return self._through_slack(
            lambda gateway: gateway.notify_moderators(text),
            ActionResult(True, "Escalated to the moderators' group.", FlagStatus.ESCALATED, text),
            unsent="the moderators were not notified",
            failed="The moderators could not be notified",
        )

    def _through_slack(
        self, send: Callable[[ModerationGateway], None], done: ActionResult, *, unsent: str, failed: str
    ) -> ActionResult:
        """``done`` once ``send`` worked; without a Slack connection, or when Slack refuses, nothing changes."""
        gateway = self.scope.gateway
        if gateway is None:
            return _failed(f"No Slack connection here: {unsent} (nothing changed).", done.text)
        try:
            send(gateway)
        except AssistantError as exc:
            return _failed(f"{failed}: {exc.message}", done.text)
        return done

    # The texts actions write ------------------------------------------------------------------------------------
    def warning_text(self, flag: FlagRecord, note: str = "") -> str:
        """The private warning (``prompts/warn_member.md``), quoting the clause verbatim."""
        names = self.scope.archive.member_names()
        clause = flag.clause_ref
        if clause is None and self.knowledge.clauses:
            first = self.knowledge.clauses[0]
            clause = ClauseRef(number=first.number, title=first.title, text=first.text)
        return render_prompt(
            "warn_member",
            member=names.get(flag.user_id or "", "there"),
            channel=self.scope.channel_names().get(flag.channel_id, flag.channel_id),
            excerpt=flag.excerpt,
            clause=clause,
            refuting_fact=flag.refuting_fact.text if flag.refuting_fact else "",
            note=note,
        )

    def escalation_text(self, flag: FlagRecord, actor_id: str, note: str = "") -> str:
        """The notice to the moderators' group (``prompts/escalate_flag.md``)."""
        names = self.scope.archive.member_names()
        mentions = self.scope.mentions
        return render_prompt(
            "escalate_flag",
            mention=mentions.moderators(self.scope.settings.moderators_group),
            channel=self.scope.channel_names().get(flag.channel_id, flag.channel_id),
            actor=mentions.user(actor_id),
            excerpt=flag.excerpt,
            author=names.get(flag.user_id or "", flag.user_id or "unknown"),
            judgment=flag.judgment,
            score=f"{flag.score:.2f}",
            threshold=f"{flag.threshold:.2f}",
            clause=flag.clause_ref.cite() if flag.clause_ref else "",
            note=note,
        )

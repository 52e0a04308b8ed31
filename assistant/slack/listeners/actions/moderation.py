"""Moderation buttons -> the moderation service; the alert is updated in place to show who did what, and a
refusal (e.g. a non-moderator pressing) is shown only to the person who pressed."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from pydantic import BaseModel, ValidationError
from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.domain.records import FlagStatus, ModerationActionKind
from assistant.errors import AssistantError
from assistant.moderation.models import ActionOutcome, Alert
from assistant.slack.blocks import as_payload, error_blocks
from assistant.slack.blocks.alerts import ACTION_PREFIX, alert_blocks, alert_text
from assistant.slack.runtime import SlackRuntime
from assistant.slack.web import to_error

logger = logging.getLogger(__name__)

_ACTION = re.compile("^" + ACTION_PREFIX + "(" + "|".join(k.value for k in ModerationActionKind) + ")$")


class ButtonValue(BaseModel):
    alert: int
    flags: list[int]


def register(app: App, runtime: SlackRuntime) -> None:
    def on_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        press(runtime, body, action)

    app.action(_ACTION)(on_button)


def press(runtime: SlackRuntime, body: dict[str, Any], action: dict[str, Any]) -> None:
    user_id = str((body.get("user") or {}).get("id") or "")
    container = body.get("container") or {}
    channel_id = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
    message_ts = str(container.get("message_ts") or (body.get("message") or {}).get("ts") or "")
    kind = ModerationActionKind(str(action["action_id"]).removeprefix(ACTION_PREFIX))
    try:
        value = ButtonValue.model_validate(json.loads(str(action.get("value") or "{}")))
    except (ValidationError, json.JSONDecodeError):
        runtime.ephemeral(channel_id, user_id, "This button is out of date; use the latest alert.")
        return
    try:
        outcomes = act_on_alert(runtime, value, kind, user_id)
    except AssistantError as exc:
        runtime.ephemeral(channel_id, user_id, exc.message, error_blocks(exc.message))
        return
    if not outcomes:
        runtime.ephemeral(channel_id, user_id, "Every flag in this alert was already decided.")
    for outcome in outcomes:
        if outcome.refused or not outcome.ok:
            runtime.ephemeral(channel_id, user_id, outcome.message, error_blocks(outcome.message))
            break
    alert = next((o.alert for o in reversed(outcomes) if o.alert is not None), None)
    if alert is not None and not all(o.refused for o in outcomes) and channel_id and message_ts:
        runtime.remember_alert_message(alert.alert_id, channel_id, message_ts)
        update_alert(runtime, alert, channel_id, message_ts)


def act_on_alert(
    runtime: SlackRuntime, value: ButtonValue, kind: ModerationActionKind, user_id: str
) -> list[ActionOutcome]:
    """Apply ``kind`` to the alert's open flags; a warning goes once to each author, not once per message."""
    moderation = runtime.ctx.moderation
    with runtime.work_lock:
        current = moderation.alert(value.alert)
        open_flags = [f for f in current.flags if f.status == FlagStatus.OPEN and f.id is not None]
        if kind is ModerationActionKind.WARN:
            by_author: dict[str | None, int] = {}
            for f in open_flags:
                by_author.setdefault(f.user_id, f.id)  # type: ignore[arg-type]
            targets = list(by_author.values())
        else:
            targets = [f.id for f in open_flags if f.id is not None]
        outcomes: list[ActionOutcome] = []
        for flag_id in targets:
            outcome = moderation.act(flag_id, kind, user_id)
            outcomes.append(outcome)
            if outcome.refused or not outcome.ok:
                break
        return outcomes


def update_alert(runtime: SlackRuntime, alert: Alert, channel_id: str, ts: str) -> None:
    first_ts = alert.flags[0].ts if alert.flags else None
    link = runtime.permalink(alert.channel_id, first_ts) if first_ts else None
    try:
        runtime.client.chat_update(
            channel=channel_id, ts=ts, text=alert_text(alert), blocks=as_payload(alert_blocks(alert, link))
        )
    except SdkApiError as exc:
        logger.error("alert %s not updated: %s", alert.alert_id, to_error(exc, "updating the alert"))

"""The “Mark as false claim” message shortcut: a moderator teaches the assistant a claim from a message.

Only moderators (``ModerationService.is_moderator``); anyone else is refused, and the refusal is audited. The modal
is prefilled with the message and asks for the correction and a source. On save the claim is added to the claims
store (audited) and matched from then on; earlier messages that repeat it are listed to the moderator, and those of
the last ``RECENT_DAYS`` days are judged again with the claim known, so they reach the moderators' channel as
alerts like live ones.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.claims.models import ClaimInput
from assistant.domain import AuditEvent
from assistant.errors import AssistantError, NotFoundError
from assistant.slack.blocks.claims import (
    CLAIM_BLOCK,
    CORRECTION_BLOCK,
    MODAL_CALLBACK,
    SOURCE_BLOCK,
    VALUE,
    VERDICT_BLOCK,
    claim_modal,
    claim_saved_blocks,
)
from assistant.slack.runtime import SlackRuntime

logger = logging.getLogger(__name__)

MARK_FALSE_CLAIM = "mark_false_claim"
#: Earlier repeats this recent are judged again (and so alerted); older ones are only listed.
RECENT_DAYS = 7
REFUSAL = "Only moderators can mark claims as false. If you think this message spreads a rumour, tell a moderator."


def _refuse(runtime: SlackRuntime, user_id: str, channel_id: str, ts: str) -> None:
    runtime.ctx.archive.append_audit(
        AuditEvent(
            at=runtime.ctx.clock(),
            actor=user_id,
            action="claim_refused",
            target=f"message:{channel_id}:{ts}",
            reason=REFUSAL,
            details={"channel_id": channel_id, "ts": ts},
        )
    )
    runtime.ephemeral(channel_id, user_id, REFUSAL)


def _value(values: dict[str, Any], block: str) -> str:
    field = (values.get(block) or {}).get(VALUE) or {}
    if field.get("type") == "static_select":
        return str((field.get("selected_option") or {}).get("value") or "")
    return str(field.get("value") or "").strip()


def register(app: App, runtime: SlackRuntime) -> None:
    def on_mark(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        user_id = str((shortcut.get("user") or {}).get("id") or "")
        channel_id = str((shortcut.get("channel") or {}).get("id") or "")
        message = shortcut.get("message") or {}
        ts = str(message.get("ts") or "")
        if not user_id or not channel_id or not ts:
            return
        if not runtime.ctx.moderation.is_moderator(user_id):
            _refuse(runtime, user_id, channel_id, ts)
            return
        text = str(message.get("text") or "")
        try:
            stored = runtime.ctx.archive.get_message(channel_id, ts)
            text = stored.text or text  # the readable text (mentions and links resolved)
        except NotFoundError:
            pass
        try:
            client.views_open(trigger_id=shortcut.get("trigger_id"), view=claim_modal(text, channel_id, ts))
        except SlackApiError as exc:
            logger.warning("the claim modal could not be opened: %s", exc.response.get("error"))

    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = (view.get("state") or {}).get("values") or {}
        text, correction = _value(values, CLAIM_BLOCK), _value(values, CORRECTION_BLOCK)
        source, verdict = _value(values, SOURCE_BLOCK), _value(values, VERDICT_BLOCK) or "false"
        errors = {}
        if not text:
            errors[CLAIM_BLOCK] = "Write the claim."
        if not correction:
            errors[CORRECTION_BLOCK] = "Say what is true instead."
        if source and not source.lower().startswith(("https://", "http://")):
            errors[SOURCE_BLOCK] = "A source is a link (https://…)."
        if verdict not in ("false", "misleading"):
            errors[VERDICT_BLOCK] = "Choose false or misleading."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user_id = str((body.get("user") or {}).get("id") or "")
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except json.JSONDecodeError:
            meta = {}
        channel_id, ts = str(meta.get("channel") or ""), str(meta.get("ts") or "")
        if not runtime.ctx.moderation.is_moderator(user_id):  # membership may have changed since the modal opened
            _refuse(runtime, user_id, channel_id, ts)
            return
        teach(
            runtime,
            user_id,
            channel_id,
            ts,
            ClaimInput.model_validate(
                {"text": text, "verdict": verdict, "correction": correction, "source_url": source}
            ),
        )

    app.shortcut(MARK_FALSE_CLAIM)(on_mark)
    app.view(MODAL_CALLBACK)(on_submit)


def teach(runtime: SlackRuntime, user_id: str, channel_id: str, ts: str, claim_input: ClaimInput) -> None:
    """Add the claim (audited), list the earlier messages that repeat it, and alert the recent ones."""
    ctx = runtime.ctx
    claim = ctx.claims.add(
        claim_input, user_id, origin="slack", origin_ref=f"{channel_id}:{ts}", reason="via Slack"
    )
    repeats = ctx.claims.repeats(claim, ctx.index, min_similarity=ctx.settings.claim_match_min_similarity)
    since = (ctx.clock() - timedelta(days=RECENT_DAYS)).timestamp()
    recent = []
    for r in repeats:
        if r.time < since:
            continue
        try:
            recent.append(ctx.archive.get_message(r.channel_id, r.ts))
        except NotFoundError:
            continue
    alerted = 0
    if recent:
        with runtime.work_lock:
            batch = ctx.pipeline.process(recent, announce=True)  # judged with the claim known: flags and alerts
        alerted = sum(1 for j in batch.judgments if j.misinformation.matched_claim is not None)
        try:
            runtime.deliver_alerts()
        except AssistantError as exc:  # the outbox retries them
            logger.warning("alerts for earlier repeats wait in the outbox: %s", exc)
    blocks = claim_saved_blocks(claim, repeats, alerted, runtime.permalink)
    runtime.ephemeral(
        channel_id or user_id, user_id, f"Claim saved; {len(repeats)} earlier messages repeat it.", blocks
    )

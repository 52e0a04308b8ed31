"""``message`` events (new, edited, deleted, thread replies) -> archive, index, judge, maybe alert.

Bots, the assistant itself, DMs and channel notices are not judged; a join notice records membership.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from assistant.slack.convert import HUMAN_SUBTYPES, message_event, message_from_payload
from assistant.slack.runtime import SlackRuntime

logger = logging.getLogger(__name__)

_PRIVATE_CONVERSATIONS = frozenset({"im", "mpim"})


def register(app: App, runtime: SlackRuntime) -> None:
    # Durable: the event stays in the inbox until its message is stored, judged, indexed and moderated.
    app.event("message")(runtime.durable("message", lambda event: handle_message(runtime, event)))


def _from_bot(runtime: SlackRuntime, payload: dict[str, Any]) -> bool:
    return bool(
        payload.get("bot_id")
        or payload.get("subtype") == "bot_message"
        or (runtime.bot_user_id and payload.get("user") == runtime.bot_user_id)
    )


def handle_message(runtime: SlackRuntime, event: dict[str, Any]) -> None:
    envelope = message_event(event)
    if envelope is None or not envelope.channel:
        logger.info("malformed message event skipped")
        return
    channel_id = envelope.channel
    if envelope.channel_type in _PRIVATE_CONVERSATIONS:
        return
    subtype = envelope.subtype
    ctx = runtime.ctx
    if subtype == "message_deleted":
        ts = envelope.deleted_ts or (envelope.previous_message or {}).get("ts")
        if isinstance(ts, str) and ts:
            _deleted(runtime, channel_id, ts)
        return
    if subtype in ("channel_join", "group_join"):
        if envelope.user:
            runtime.directory.channel(channel_id)
            ctx.archive.add_membership(channel_id, envelope.user, None)
        return
    if subtype == "message_changed":
        payload = dict(envelope.message or {})
        if payload.get("subtype") == "tombstone":  # a deleted thread parent that still has replies
            ts = payload.get("ts")
            if isinstance(ts, str) and ts:
                _deleted(runtime, channel_id, ts)
            return
    elif subtype in HUMAN_SUBTYPES:
        payload = dict(event)
    else:
        return
    if _from_bot(runtime, payload):
        return
    draft = message_from_payload(payload, channel_id)  # checked before any Slack call is spent on it
    if draft is None or not draft.user_id:
        logger.info("malformed message event in %s skipped", channel_id)
        return
    runtime.directory.channel(channel_id)
    runtime.directory.ensure_member(draft.user_id)
    message = message_from_payload(
        payload, channel_id, runtime.directory.user_names(), runtime.directory.channel_names()
    )
    if message is None:
        logger.info("malformed message event in %s skipped", channel_id)
        return
    with runtime.work_lock:
        ctx.pipeline.receive(message, announce=True)  # alerts go to the outbox as part of the batch
    runtime.deliver_alerts()


def _deleted(runtime: SlackRuntime, channel_id: str, ts: str) -> None:
    """The message leaves the index and answers; its flag (if any) is marked and the alert updated."""
    with runtime.work_lock:
        batch = runtime.ctx.pipeline.delete(channel_id, ts)
        if not batch.removed:  # not in the archive: a flag may still quote it
            moderation = runtime.ctx.moderation
            flag = moderation.on_deleted(channel_id, ts)
            if flag is not None and flag.alert_id is not None and not flag.shadow and runtime.outbox is not None:
                runtime.outbox.queue(flag.alert_id, is_update=True)
    runtime.deliver_alerts()

"""The "Post in #channel" button next to a milestone (digest DM, Home tab): posts its celebration message where it
belongs, as the assistant, only when a manager presses it; the presser is told where it went."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.domain import AuditEvent
from assistant.slack.blocks.mentions import channel_mention
from assistant.slack.blocks.milestones import POST_MILESTONE
from assistant.slack.runtime import SlackRuntime
from assistant.slack.surveys import may_run_surveys
from assistant.slack.web import to_error

logger = logging.getLogger(__name__)

POSTED_PREFIX = "milestone-posted:"


def register(app: App, runtime: SlackRuntime) -> None:
    def on_post(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        post_milestone(runtime, body, action)

    app.action(POST_MILESTONE)(on_post)


def post_milestone(runtime: SlackRuntime, body: dict[str, Any], action: dict[str, Any]) -> None:
    user_id = str((body.get("user") or {}).get("id") or "")
    container = body.get("container") or {}
    where = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "") or user_id
    say = _teller(runtime, body, where, user_id)
    if not may_run_surveys(runtime, user_id):
        say("Only community managers and moderators post celebrations.")
        return
    try:
        value = json.loads(str(action.get("value") or "{}"))
        channel, text = str(value["c"]), str(value["m"])
    except (json.JSONDecodeError, KeyError, TypeError):
        say("This button is out of date; open the Home tab again.")
        return
    thread = str(value.get("t") or "") or None
    # One celebration per milestone, whoever presses first and however often: the button stays on old digests.
    claim = f"{POSTED_PREFIX}{value.get('id') or channel + ':' + (thread or '') + ':' + text[:80]}"
    if not runtime.ctx.archive.claim_once(claim):
        say(f"This one was already posted in {channel_mention(channel)}.")
        return
    try:
        runtime.client.chat_postMessage(channel=channel, text=text, thread_ts=thread, unfurl_links=False)
    except SdkApiError as exc:
        runtime.ctx.archive.forget_state(claim)  # not posted: pressing again may try again
        say(to_error(exc, "posting the celebration").message)
        return
    runtime.ctx.archive.append_audit(
        AuditEvent(
            at=runtime.ctx.clock(),
            actor=user_id,
            action="milestone.post",
            target=str(value.get("id") or ""),
            details={"channel": channel, "thread_ts": thread},
        )
    )
    say(f"Posted in {channel_mention(channel)}{' (in the thread)' if thread else ''}.")


def _teller(runtime: SlackRuntime, body: dict[str, Any], where: str, user_id: str) -> Any:
    """Home tab buttons have no channel to answer in: the presser gets a DM instead of an ephemeral."""

    def say(text: str) -> None:
        if (body.get("view") or {}).get("type") == "home" or not where:
            try:
                runtime.client.chat_postMessage(channel=user_id, text=text)
            except SdkApiError as exc:
                logger.error("could not tell %s: %s", user_id, exc.response.get("error"))
            return
        runtime.ephemeral(where, user_id, text)

    return say

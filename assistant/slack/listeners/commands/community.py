"""``/community`` for moderators: view or change a channel's policy, shadow mode, on/off, replay."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.models.blocks import Block

from assistant.errors import AssistantError, ConfigError, PermissionDeniedError
from assistant.moderation.policy import parse_assignments
from assistant.slack.blocks import error_blocks
from assistant.slack.blocks.community import help_blocks, policy_blocks, replay_blocks
from assistant.slack.blocks.mentions import CHANNEL_MENTION
from assistant.slack.runtime import SlackRuntime

logger = logging.getLogger(__name__)

_CHANNEL = re.compile(rf"^({CHANNEL_MENTION.pattern}|#\S+|[CG][A-Z0-9]{{6,}})$")
_ON = {"on": True, "true": True, "yes": True, "off": False, "false": False, "no": False}
MAX_REPLAY_DAYS = 365.0


def register(app: App, runtime: SlackRuntime) -> None:
    def on_community(ack: Ack, command: dict[str, Any]) -> None:
        ack()
        user_id, reply_in = str(command["user_id"]), str(command["channel_id"])
        try:
            blocks, text = run_community(runtime, user_id, reply_in, str(command.get("text") or ""))
        except AssistantError as exc:
            blocks, text = error_blocks(exc.message), exc.message
        runtime.ephemeral(reply_in, user_id, text, blocks)

    app.command("/community")(on_community)


def _split(tokens: list[str], default_channel: str, runtime: SlackRuntime) -> tuple[str, list[str]]:
    """The channel named first (``#name``, ``<#C..|name>`` or an id) or the current one, and the rest."""
    if tokens and _CHANNEL.match(tokens[0]):
        return runtime.directory.resolve_channel(tokens[0]), tokens[1:]
    return default_channel, tokens


def run_community(runtime: SlackRuntime, user_id: str, reply_in: str, text: str) -> tuple[list[Block], str]:
    moderation = runtime.ctx.moderation
    tokens = text.split()
    sub = tokens[0].lower() if tokens else "help"
    if sub in ("help", "?"):
        return help_blocks(), "How to use /community"
    if not moderation.is_moderator(user_id):
        raise PermissionDeniedError("Only moderators can use /community; ask a member of the moderators' channel.")
    channel, rest = _split(tokens[1:], reply_in, runtime)
    if sub == "policy":
        if not rest:
            return policy_blocks(moderation.policy(channel)), "Moderation policy"
        thresholds = parse_assignments(rest)
        policy = moderation.set_policy(channel, user_id, reason="via /community", thresholds=thresholds)
        return policy_blocks(policy, changed_by=user_id), "Moderation policy changed"
    if sub == "shadow":
        if len(rest) != 1 or rest[0].lower() not in _ON:
            raise ConfigError("Use /community shadow #channel on|off.")
        policy = moderation.set_policy(channel, user_id, reason="via /community", shadow=_ON[rest[0].lower()])
        return policy_blocks(policy, changed_by=user_id), "Shadow mode changed"
    if sub in ("enable", "disable"):
        policy = moderation.set_policy(channel, user_id, reason="via /community", enabled=sub == "enable")
        return policy_blocks(policy, changed_by=user_id), f"Moderation {sub}d"
    if sub == "replay":
        days: float | None = None
        if rest and re.fullmatch(r"\d+(\.\d+)?", rest[0]):
            days = min(float(rest[0]), MAX_REPLAY_DAYS)
            rest = rest[1:]
        overrides = {k: v for k, v in parse_assignments(rest).items() if v is not None}
        with runtime.work_lock:
            report = moderation.replay(channel, since_days=days, overrides=overrides)
        return replay_blocks(report), "Replay report"
    raise ConfigError(f"Unknown /community command {sub!r}; try /community help.")

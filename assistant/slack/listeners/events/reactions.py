"""``reaction_added`` / ``reaction_removed`` -> the message's reactions in the archive (engagement metrics)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from assistant.domain.workspace import Reaction
from assistant.slack.runtime import SlackRuntime

logger = logging.getLogger(__name__)


def register(app: App, runtime: SlackRuntime) -> None:
    def on_added(event: dict[str, Any]) -> None:
        apply_reaction(runtime, event, added=True)

    def on_removed(event: dict[str, Any]) -> None:
        apply_reaction(runtime, event, added=False)

    app.event("reaction_added")(on_added)
    app.event("reaction_removed")(on_removed)


def updated_reactions(reactions: list[Reaction], name: str, user_id: str, *, added: bool) -> list[Reaction]:
    out: list[Reaction] = []
    found = False
    for r in reactions:
        if r.name != name:
            out.append(r)
            continue
        found = True
        users = [u for u in r.users if u != user_id] + ([user_id] if added else [])
        if users:
            out.append(Reaction(name=name, users=users, count=len(users)))
    if added and not found:
        out.append(Reaction(name=name, users=[user_id], count=1))
    return out


def apply_reaction(runtime: SlackRuntime, event: dict[str, Any], *, added: bool) -> None:
    item = event.get("item") or {}
    if item.get("type") != "message" or not event.get("user") or not event.get("reaction"):
        return
    channel_id, ts = str(item.get("channel")), str(item.get("ts"))
    archive = runtime.ctx.archive
    with runtime.work_lock:
        message = archive.find_message(channel_id, ts)
        if message is None:
            logger.debug("reaction on %s/%s, a message not in the archive", channel_id, ts)
            return
        reactions = updated_reactions(message.reactions, str(event["reaction"]), str(event["user"]), added=added)
        archive.set_reactions(channel_id, ts, reactions)

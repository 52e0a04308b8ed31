"""Slack Web API / Events API payloads to domain models, validated with pydantic at the boundary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.domain import Channel, Member, Message
from assistant.ingest.export_records import ExportMessage, as_datetime, to_message

#: Message subtypes that are talk by a person (a plain message has no subtype).
HUMAN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})


class MessageEvent(BaseModel):
    """The envelope of a ``message`` event: the fields routing needs, typed (the message itself is validated
    by ``message_from_payload``). Anything of the wrong shape is a malformed event, skipped by name."""

    model_config = ConfigDict(extra="ignore")

    channel: str = ""
    channel_type: str | None = None
    subtype: str | None = None
    user: str | None = None
    ts: str | None = None
    deleted_ts: str | None = None
    bot_id: str | None = None
    message: dict[str, Any] | None = None
    previous_message: dict[str, Any] | None = None


def message_event(event: Mapping[str, Any]) -> MessageEvent | None:
    """The typed envelope of a ``message`` event, or None when it is malformed."""
    try:
        return MessageEvent.model_validate(dict(event))
    except (ValidationError, TypeError, ValueError, RecursionError):
        return None


def message_from_payload(
    payload: Mapping[str, Any],
    channel_id: str,
    users: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> Message | None:
    """A domain ``Message`` from a Slack message object (event, history or replies item); None if malformed.

    Malformed includes a ``ts`` / ``thread_ts`` that is not a plausible Slack timestamp (``nan``, ``inf``,
    ``1e300``, ...): the same check as export ingestion, so no path can store a time that breaks insights later.
    """
    try:
        raw = ExportMessage.model_validate(dict(payload))
        return to_message(raw, channel_id, users, channels)  # the export's conversion: one for both paths
    except (ValidationError, TypeError, ValueError, RecursionError):
        return None


def channel_from_info(info: Mapping[str, Any]) -> Channel:
    """A ``Channel`` from a ``conversations.info`` / ``users.conversations`` item."""
    kind = "im" if info.get("is_im") else "mpim" if info.get("is_mpim") else "channel"
    return Channel(
        id=str(info["id"]),
        name=str(info.get("name") or info["id"]),
        created=as_datetime(info.get("created")),
        is_private=bool(info.get("is_private") or info.get("is_group") or kind != "channel"),
        kind=kind,
        is_archived=bool(info.get("is_archived")),
        topic=str((info.get("topic") or {}).get("value", "")),
        purpose=str((info.get("purpose") or {}).get("value", "")),
    )


def member_from_info(user: Mapping[str, Any]) -> Member:
    """A ``Member`` from a ``users.info`` user object."""
    profile = user.get("profile") or {}
    return Member(
        id=str(user["id"]),
        name=str(user.get("name") or user["id"]),
        real_name=str(user.get("real_name") or profile.get("real_name") or ""),
        display_name=str(profile.get("display_name") or ""),
        title=str(profile.get("title") or ""),
        is_bot=bool(user.get("is_bot")),
        deleted=bool(user.get("deleted")),
        tz=user.get("tz"),
    )

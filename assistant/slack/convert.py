"""Slack Web API / Events API payloads to domain models, validated with pydantic at the boundary."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from assistant.domain import Channel, Member, Message
from assistant.domain.workspace import Edit, FileRef, Reaction
from assistant.ingest import resolve_markup
from assistant.ingest.slack_export import MAX_TEXT_CHARS, ExportMessage

#: Message subtypes that are talk by a person (a plain message has no subtype).
HUMAN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})


def message_from_payload(
    payload: Mapping[str, Any],
    channel_id: str,
    users: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> Message | None:
    """A domain ``Message`` from a Slack message object (event, history or replies item); None if malformed."""
    try:
        raw = ExportMessage.model_validate(dict(payload))
    except ValidationError:
        return None
    raw_text = raw.text or ""
    files = list(raw.files) + ([raw.file] if raw.file else [])
    return Message(
        channel_id=channel_id,
        ts=raw.ts,
        user_id=raw.user,
        text=resolve_markup(raw_text[:MAX_TEXT_CHARS], users, channels),
        raw_text=raw_text,
        thread_ts=raw.thread_ts,
        subtype=raw.subtype,
        bot_id=raw.bot_id,
        reactions=[Reaction(name=r.name, users=r.users, count=r.count or len(r.users)) for r in raw.reactions],
        reply_count=raw.reply_count,
        reply_users=list(raw.reply_users),
        files=[FileRef(id=f.id, name=f.name or "", title=f.title or "", mimetype=f.mimetype or "") for f in files],
        edited=Edit(user=raw.edited.get("user"), ts=str(raw.edited.get("ts"))) if raw.edited else None,
        deleted=raw.subtype in ("tombstone", "message_deleted"),
    )


def channel_from_info(info: Mapping[str, Any]) -> Channel:
    """A ``Channel`` from a ``conversations.info`` / ``users.conversations`` item."""
    created = info.get("created")
    return Channel(
        id=str(info["id"]),
        name=str(info.get("name") or info["id"]),
        created=datetime.fromtimestamp(float(created), tz=UTC) if created else None,
        is_private=bool(info.get("is_private") or info.get("is_group")),
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

"""Workspace, channels (micro-communities), members, messages and threads."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, Field, field_validator


def ts_to_datetime(ts: str) -> datetime:
    """Slack ``ts`` ("1546411029.441000") to an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), tz=UTC)


def _check_ts(value: str) -> str:
    try:
        Decimal(value)
    except (InvalidOperation, TypeError):
        raise ValueError(f"not a Slack timestamp: {value!r}") from None
    return value


class Workspace(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = "default"
    name: str = "workspace"


class Channel(BaseModel):
    """A channel is one micro-community: its own members, mood, wants and moderation policy."""

    id: str
    name: str
    created: datetime | None = None
    is_private: bool = False
    is_archived: bool = False
    topic: str = ""
    purpose: str = ""
    members: list[str] = Field(default_factory=list)


class Member(BaseModel):
    id: str
    name: str
    real_name: str = ""
    display_name: str = ""
    title: str = ""
    is_bot: bool = False
    deleted: bool = False
    tz: str | None = None

    @property
    def label(self) -> str:
        """The name people know this member by."""
        return self.display_name or self.real_name or self.name


class Reaction(BaseModel):
    name: str
    users: list[str] = Field(default_factory=list)
    count: int = 0


class FileRef(BaseModel):
    id: str
    name: str = ""
    title: str = ""
    mimetype: str = ""


class Edit(BaseModel):
    user: str | None = None
    ts: str


class Message(BaseModel):
    """One Slack message. ``text`` is readable (markup resolved); ``raw_text`` is what Slack sent."""

    channel_id: str
    ts: str
    user_id: str | None = None
    text: str = ""
    raw_text: str = ""
    thread_ts: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    reactions: list[Reaction] = Field(default_factory=list)
    reply_count: int = 0
    reply_users: list[str] = Field(default_factory=list)
    files: list[FileRef] = Field(default_factory=list)
    edited: Edit | None = None
    deleted: bool = False

    _check = field_validator("ts")(classmethod(lambda cls, v: _check_ts(v)))

    @property
    def key(self) -> str:
        """Stable id across the archive and the index: ``channel:ts``."""
        return f"{self.channel_id}:{self.ts}"

    @property
    def time(self) -> datetime:
        return ts_to_datetime(self.ts)

    @property
    def is_thread_parent(self) -> bool:
        return self.thread_ts == self.ts

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def reaction_count(self) -> int:
        return sum(r.count or len(r.users) for r in self.reactions)

    @property
    def is_human(self) -> bool:
        """Whether a person wrote it (not a bot, a join notice, or a deleted placeholder)."""
        return (
            self.user_id is not None
            and self.bot_id is None
            and self.subtype not in NON_CONVERSATION_SUBTYPES
            and not self.deleted
        )


#: Subtypes that are not conversation: excluded from judgments, metrics of talk, and summaries.
NON_CONVERSATION_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
        "group_join",
        "group_leave",
        "bot_message",
        "bot_add",
        "bot_remove",
        "pinned_item",
        "unpinned_item",
        "tombstone",
        "message_deleted",
        "irc_system",
        "reminder_add",
    }
)


class Thread(BaseModel):
    """A parent message and its replies, in time order."""

    channel_id: str
    thread_ts: str
    messages: list[Message]

    @property
    def parent(self) -> Message:
        return self.messages[0]

    @property
    def participants(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.messages:
            if m.user_id:
                seen.setdefault(m.user_id, None)
        return list(seen)

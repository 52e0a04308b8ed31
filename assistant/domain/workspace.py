"""Workspace, channels (micro-communities), members, messages and threads."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

#: Slack ``ts`` values are decimal seconds with a fraction, like ``1546629022.609400``: no signs, exponents,
#: ``nan`` or ``inf``, and short enough for the archive's ``ts`` column.
_TS_PATTERN = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,12})?")
#: 1990-01-01 and 2100-01-01 UTC: fixed bounds (never the wall clock) for a timestamp a real export can hold.
TS_EARLIEST = 631_152_000
TS_LATEST = 4_102_444_800


def ts_to_datetime(ts: str) -> datetime:
    """Slack ``ts`` ("1546411029.441000") to an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), tz=UTC)


def check_ts(value: object, *, plausible: bool = True) -> str:
    """``value`` if it is a Slack timestamp, else ``ValueError`` naming it.

    ``plausible`` (every boundary: exports, live events, backfill) also requires 1990-01-01 .. 2100-01-01; without
    it (records already in the domain) any finite time from 1970 up to 2100 is accepted, so ``Message.time`` and
    every insight computed from it can never overflow.
    """
    if not isinstance(value, str) or not _TS_PATTERN.fullmatch(value):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise ValueError(f"not a Slack timestamp: {shown}")
    earliest = TS_EARLIEST if plausible else 0
    if not earliest <= Decimal(value) < TS_LATEST:
        low = "1990-01-01" if plausible else "1970-01-01"
        raise ValueError(f"timestamp {value} is outside {low} .. 2100-01-01")
    return value


def strip_nul(value: str) -> str:
    """NUL characters carry no meaning and PostgreSQL refuses them in text: they are dropped at the boundary."""
    return value.replace("\x00", "") if "\x00" in value else value


#: Text that can be stored anywhere: NUL removed.
CleanStr = Annotated[str, AfterValidator(strip_nul)]


def _check_domain_ts(value: str | None) -> str | None:
    return None if value is None else check_ts(value, plausible=False)


class Workspace(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = "default"
    name: str = "workspace"


class Channel(BaseModel):
    """A channel is one micro-community: its own members, mood, wants and moderation policy."""

    id: CleanStr
    name: CleanStr
    created: datetime | None = None
    is_private: bool = False
    is_archived: bool = False
    topic: CleanStr = ""
    purpose: CleanStr = ""
    members: list[CleanStr] = Field(default_factory=list)
    #: ``im`` (a direct message) and ``mpim`` (a group DM) are always private: only their members see them.
    kind: Literal["channel", "im", "mpim"] = "channel"

    @model_validator(mode="after")
    def _direct_messages_are_private(self) -> Channel:
        if self.kind != "channel":
            self.is_private = True
        return self


class Member(BaseModel):
    id: CleanStr
    name: CleanStr
    real_name: CleanStr = ""
    display_name: CleanStr = ""
    title: CleanStr = ""
    is_bot: bool = False
    deleted: bool = False
    tz: CleanStr | None = None

    @property
    def label(self) -> str:
        """The name people know this member by."""
        return self.display_name or self.real_name or self.name


class Reaction(BaseModel):
    name: CleanStr
    users: list[CleanStr] = Field(default_factory=list)
    count: int = 0


class FileRef(BaseModel):
    id: CleanStr
    name: CleanStr = ""
    title: CleanStr = ""
    mimetype: CleanStr = ""


class Edit(BaseModel):
    user: CleanStr | None = None
    ts: CleanStr


class Message(BaseModel):
    """One Slack message. ``text`` is readable (markup resolved); ``raw_text`` is what Slack sent."""

    channel_id: CleanStr
    ts: str
    user_id: CleanStr | None = None
    text: CleanStr = ""
    raw_text: CleanStr = ""
    thread_ts: str | None = None
    subtype: CleanStr | None = None
    bot_id: CleanStr | None = None
    reactions: list[Reaction] = Field(default_factory=list)
    reply_count: int = 0
    reply_users: list[CleanStr] = Field(default_factory=list)
    files: list[FileRef] = Field(default_factory=list)
    edited: Edit | None = None
    deleted: bool = False

    _check = field_validator("ts", "thread_ts")(classmethod(lambda cls, v: _check_domain_ts(v)))

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

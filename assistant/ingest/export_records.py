"""One Slack message, channel or user object at the boundary: pydantic models that validate an export's line
or a Web API / Events API payload alike, their conversion to domain records (``to_message``), the caps on
texts and ids, and how per-record problems are collected.

Kept apart from the export reader because the Slack app converts live messages with the same code
(``assistant.slack.convert``): one conversion for both paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from assistant.domain import Edit, FileRef, Message, Reaction
from assistant.domain.workspace import TS_EARLIEST, TS_LATEST, check_ts
from assistant.ingest.markup import resolve_markup

#: A single message larger than this is kept whole in ``raw_text`` but its readable text is cut for models.
MAX_TEXT_CHARS = 40_000
#: Slack caps a message at 40,000 characters; ``raw_text`` beyond this is cut (with a problem naming the message).
MAX_RAW_TEXT_CHARS = 200_000
#: The archive's id and name columns.
MAX_ID_CHARS = 64
MAX_NAME_CHARS = 255
#: At most this many problems of one kind are listed per file; the rest are counted in one line.
MAX_PROBLEMS_PER_FILE = 50


@dataclass(frozen=True)
class ExportProblem:
    """Something in the export that could not be read; the rest is still ingested."""

    file: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.problem}"


class Capped:
    """Collects per-record problems of one file, listing at most ``MAX_PROBLEMS_PER_FILE`` and counting the rest."""

    def __init__(self, problems: list[ExportProblem], rel: str) -> None:
        self.problems = problems
        self.rel = rel
        self.count = 0

    def add(self, text: str) -> None:
        self.count += 1
        if self.count <= MAX_PROBLEMS_PER_FILE:
            self.problems.append(ExportProblem(self.rel, text))

    def close(self) -> None:
        if self.count > MAX_PROBLEMS_PER_FILE:
            self.problems.append(
                ExportProblem(self.rel, f"{self.count - MAX_PROBLEMS_PER_FILE} more records skipped (not listed)")
            )


def first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "record"
    return f"{where} {err['msg'].removeprefix('Value error, ')}"[:300]


# Boundary models for the export's JSON -----------------------------------------------------------------------------
Id = Annotated[str, StringConstraints(max_length=MAX_ID_CHARS)]
Count = Annotated[int, Field(ge=0, le=2**31 - 1)]


def _slack_ts(value: str | None) -> str | None:
    return None if value is None else check_ts(value, plausible=True)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ExportReaction(_Loose):
    name: str
    users: list[Id] = []
    count: Count = 0


class ExportFile(_Loose):
    id: str = ""
    name: str | None = ""
    title: str | None = ""
    mimetype: str | None = ""


class ExportReply(_Loose):
    user: str | None = None
    ts: str


class ExportEditMark(_Loose):
    user: Id | None = None
    ts: str | None = None


class ExportMessage(_Loose):
    type: str = "message"
    subtype: Id | None = None
    ts: str
    user: Id | None = None
    bot_id: Id | None = None
    username: str | None = None
    text: str | None = ""
    thread_ts: str | None = None
    reply_count: Count = 0
    reply_users: list[Id] = []
    replies: list[ExportReply] = []
    reactions: list[ExportReaction] = []
    files: list[ExportFile] = []
    file: ExportFile | None = None
    edited: ExportEditMark | None = None
    message: dict[str, Any] | None = None  # message_changed carries the new version here
    deleted_ts: str | None = None

    _ts = field_validator("ts", "thread_ts")(classmethod(lambda cls, v: _slack_ts(v)))


class ExportChangedMessage(_Loose):
    """The new version of a message inside a ``message_changed`` record."""

    ts: str
    text: str | None = ""
    edited: ExportEditMark | None = None

    _ts = field_validator("ts")(classmethod(lambda cls, v: _slack_ts(v)))


class ExportChannel(_Loose):
    id: Id
    name: str
    created: int | float | str | None = None
    is_archived: bool = False
    is_private: bool = False
    members: list[Id] = []
    topic: dict[str, Any] | None = None
    purpose: dict[str, Any] | None = None


class ExportConversation(ExportChannel):
    """An entry of ``dms.json`` (no name: its folder is its id) or ``mpims.json`` (its folder is its name)."""

    name: str = ""


class ExportProfile(_Loose):
    real_name: str | None = ""
    display_name: str | None = ""
    title: str | None = ""


class ExportUser(_Loose):
    id: Id
    name: str = ""
    real_name: str | None = ""
    deleted: bool = False
    is_bot: bool = False
    tz: Annotated[str, StringConstraints(max_length=MAX_ID_CHARS)] | None = None
    profile: ExportProfile | None = None


def as_datetime(value: object) -> datetime | None:
    """A Slack ``created`` / ``ts`` number or string as a UTC datetime; None if absent or not a plausible time."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    if not TS_EARLIEST <= seconds < TS_LATEST:  # also refuses nan and inf
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


def to_message(
    raw: ExportMessage,
    channel_id: str,
    users: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
    capped: Capped | None = None,
    *,
    max_raw_chars: int = MAX_RAW_TEXT_CHARS,
) -> Message:
    """A domain ``Message`` from a validated Slack message object: an export's line, or a Web API / Events API
    message (``assistant.slack.convert``). Texts, names and ids are capped alike on both paths; ``capped``
    records which raw texts were cut (the export report names them); ``max_raw_chars`` is where ``raw_text`` is
    cut (the export reader passes its own limit)."""
    files = list(raw.files) + ([raw.file] if raw.file else [])
    raw_text = cap_raw_text(raw.text or "", raw.ts, capped, max_raw_chars)
    text = resolve_markup(raw_text[:MAX_TEXT_CHARS], users, channels)
    edited = Edit(user=raw.edited.user, ts=str(raw.edited.ts or raw.ts)) if raw.edited else None
    bot_id = raw.bot_id or ("B-" + raw.username if raw.subtype == "bot_message" and raw.username else None)
    return Message(
        channel_id=channel_id,
        ts=raw.ts,
        user_id=raw.user,
        text=text,
        raw_text=raw_text,
        thread_ts=raw.thread_ts,
        subtype=raw.subtype,
        bot_id=bot_id[:MAX_ID_CHARS] if bot_id else None,
        reactions=[
            Reaction(name=r.name[:MAX_NAME_CHARS], users=r.users, count=r.count or len(r.users))
            for r in raw.reactions
        ],
        reply_count=raw.reply_count,
        reply_users=list(raw.reply_users),
        files=[FileRef(id=f.id, name=f.name or "", title=f.title or "", mimetype=f.mimetype or "") for f in files],
        edited=edited,
        deleted=raw.subtype in ("tombstone", "message_deleted"),
    )


def cap_raw_text(raw_text: str, ts: str, capped: Capped | None, limit: int = MAX_RAW_TEXT_CHARS) -> str:
    if len(raw_text) <= limit:
        return raw_text
    if capped is not None:
        capped.add(f"message {ts} has {len(raw_text):,} characters; only the first {limit:,} were kept")
    return raw_text[:limit]

"""Reads a standard Slack workspace export (folder or ``.zip``) into domain records.

``channels.json`` (and ``groups.json`` for private channels), ``users.json`` and ``<channel>/<file>.json``
day files. Threads are rebuilt by ``thread_ts`` across files; broken files are reported by name and skipped
while everything valid is kept.
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from assistant.domain import Channel, Edit, FileRef, Member, Message, Reaction
from assistant.errors import ExportError
from assistant.ingest.markup import resolve_markup

logger = logging.getLogger(__name__)

#: A single message larger than this is kept whole in ``raw_text`` but its readable text is cut for models.
MAX_TEXT_CHARS = 40_000


@dataclass(frozen=True)
class ExportProblem:
    """Something in the export that could not be read; the rest is still ingested."""

    file: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.problem}"


@dataclass
class ExportContents:
    channels: list[Channel] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    joins: list[tuple[str, str, datetime]] = field(default_factory=list)
    problems: list[ExportProblem] = field(default_factory=list)
    files_read: int = 0


# Boundary models for the export's JSON -----------------------------------------------------------------------------
class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ExportReaction(_Loose):
    name: str
    users: list[str] = []
    count: int = 0


class ExportFile(_Loose):
    id: str = ""
    name: str | None = ""
    title: str | None = ""
    mimetype: str | None = ""


class ExportReply(_Loose):
    user: str | None = None
    ts: str


class ExportMessage(_Loose):
    type: str = "message"
    subtype: str | None = None
    ts: str
    user: str | None = None
    bot_id: str | None = None
    username: str | None = None
    text: str | None = ""
    thread_ts: str | None = None
    reply_count: int = 0
    reply_users: list[str] = []
    replies: list[ExportReply] = []
    reactions: list[ExportReaction] = []
    files: list[ExportFile] = []
    file: ExportFile | None = None
    edited: dict[str, Any] | None = None
    message: dict[str, Any] | None = None  # message_changed carries the new version here
    deleted_ts: str | None = None

    @field_validator("ts", "thread_ts")
    @classmethod
    def _ts(cls, value: str | None) -> str | None:
        if value is None:
            return None
        float(value)
        return str(value)


class ExportChannel(_Loose):
    id: str
    name: str
    created: int | str | None = None
    is_archived: bool = False
    members: list[str] = []
    topic: dict[str, Any] | None = None
    purpose: dict[str, Any] | None = None


class ExportProfile(_Loose):
    real_name: str | None = ""
    display_name: str | None = ""
    title: str | None = ""


class ExportUser(_Loose):
    id: str
    name: str = ""
    real_name: str | None = ""
    deleted: bool = False
    is_bot: bool = False
    tz: str | None = None
    profile: ExportProfile | None = None


# Reading files from a folder or a zip ------------------------------------------------------------------------------
class _Source:
    """Uniform access to files of an export folder or zip, relative to the folder holding channels.json."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if not path.exists():
            raise ExportError(f"The export {path} does not exist.")
        if path.is_file():
            try:
                self._zip = zipfile.ZipFile(path)
            except zipfile.BadZipFile:
                raise ExportError(f"{path} is neither a folder nor a valid .zip Slack export.") from None
            names = [n for n in self._zip.namelist() if PurePosixPath(n).name == "channels.json"]
            if not names:
                raise ExportError(f"{path.name} has no channels.json: it is not a Slack workspace export.")
            self._prefix = str(PurePosixPath(min(names, key=len)).parent)
            self._prefix = "" if self._prefix == "." else self._prefix + "/"
        elif not (path / "channels.json").exists():
            raise ExportError(f"{path} has no channels.json: it is not a Slack workspace export.")

    def exists(self, rel: str) -> bool:
        if self._zip:
            try:
                self._zip.getinfo(self._prefix + rel)
                return True
            except KeyError:
                return False
        return (self.path / rel).exists()

    def read(self, rel: str) -> bytes:
        if self._zip:
            return self._zip.read(self._prefix + rel)
        return (self.path / rel).read_bytes()

    def channel_files(self) -> dict[str, list[str]]:
        """Folder name -> its ``*.json`` files (relative), in name order (day files sort by date)."""
        out: dict[str, list[str]] = {}
        if self._zip:
            for name in self._zip.namelist():
                if not name.startswith(self._prefix):
                    continue
                parts = PurePosixPath(name[len(self._prefix) :]).parts
                if len(parts) == 2 and parts[1].endswith(".json"):
                    out.setdefault(parts[0], []).append("/".join(parts))
        else:
            for folder in self.path.iterdir():
                if folder.is_dir():
                    files = [f"{folder.name}/{f.name}" for f in folder.glob("*.json") if f.is_file()]
                    if files:
                        out[folder.name] = files
        return {k: sorted(v) for k, v in sorted(out.items())}

    def close(self) -> None:
        if self._zip:
            self._zip.close()


def _load_json(source: _Source, rel: str, problems: list[ExportProblem]) -> Any:
    try:
        return json.loads(source.read(rel).decode("utf-8"))
    except UnicodeDecodeError:
        problems.append(ExportProblem(rel, "is not UTF-8 text"))
    except json.JSONDecodeError as exc:
        problems.append(ExportProblem(rel, f"is not valid JSON ({exc.msg} at line {exc.lineno})"))
    return None


def _as_datetime(value: int | str | None) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _read_members(source: _Source, problems: list[ExportProblem]) -> list[Member]:
    if not source.exists("users.json"):
        problems.append(ExportProblem("users.json", "is missing; authors are shown by id"))
        return []
    data = _load_json(source, "users.json", problems)
    if not isinstance(data, list):
        if data is not None:
            problems.append(ExportProblem("users.json", "should be a JSON list of users"))
        return []
    members: list[Member] = []
    for i, raw in enumerate(data):
        try:
            u = ExportUser.model_validate(raw)
        except ValidationError as exc:
            problems.append(ExportProblem("users.json", f"entry {i} is not a user ({exc.errors()[0]['msg']})"))
            continue
        profile = u.profile or ExportProfile()
        members.append(
            Member(
                id=u.id,
                name=u.name or u.id,
                real_name=u.real_name or profile.real_name or "",
                display_name=profile.display_name or "",
                title=profile.title or "",
                is_bot=u.is_bot,
                deleted=u.deleted,
                tz=u.tz,
            )
        )
    return members


def _read_channels(source: _Source, problems: list[ExportProblem]) -> list[Channel]:
    channels: list[Channel] = []
    for listing, private in (("channels.json", False), ("groups.json", True)):
        if not source.exists(listing):
            continue
        data = _load_json(source, listing, problems)
        if not isinstance(data, list):
            if data is not None:
                problems.append(ExportProblem(listing, "should be a JSON list of channels"))
            continue
        for i, raw in enumerate(data):
            try:
                c = ExportChannel.model_validate(raw)
            except ValidationError as exc:
                problems.append(ExportProblem(listing, f"entry {i} is not a channel ({exc.errors()[0]['msg']})"))
                continue
            channels.append(
                Channel(
                    id=c.id,
                    name=c.name,
                    created=_as_datetime(c.created),
                    is_private=private,
                    is_archived=c.is_archived,
                    topic=str((c.topic or {}).get("value", "")),
                    purpose=str((c.purpose or {}).get("value", "")),
                    members=list(c.members),
                )
            )
    return channels


def _to_message(raw: ExportMessage, channel_id: str, users: dict[str, str], channels: dict[str, str]) -> Message:
    files = list(raw.files) + ([raw.file] if raw.file else [])
    raw_text = raw.text or ""
    text = resolve_markup(raw_text[:MAX_TEXT_CHARS], users, channels)
    edited = Edit(user=raw.edited.get("user"), ts=str(raw.edited.get("ts"))) if raw.edited else None
    return Message(
        channel_id=channel_id,
        ts=raw.ts,
        user_id=raw.user,
        text=text,
        raw_text=raw_text,
        thread_ts=raw.thread_ts,
        subtype=raw.subtype,
        bot_id=raw.bot_id or ("B-" + raw.username if raw.subtype == "bot_message" and raw.username else None),
        reactions=[Reaction(name=r.name, users=r.users, count=r.count or len(r.users)) for r in raw.reactions],
        reply_count=raw.reply_count,
        reply_users=list(raw.reply_users),
        files=[FileRef(id=f.id, name=f.name or "", title=f.title or "", mimetype=f.mimetype or "") for f in files],
        edited=edited,
        deleted=raw.subtype in ("tombstone", "message_deleted"),
    )


def _iter_raw(data: Any, rel: str, problems: list[ExportProblem]) -> Iterator[ExportMessage]:
    if not isinstance(data, list):
        problems.append(ExportProblem(rel, "should be a JSON list of messages"))
        return
    for i, item in enumerate(data):
        try:
            yield ExportMessage.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "message"
            problems.append(ExportProblem(rel, f"message {i} skipped: {where} {err['msg']}"))


def read_export(path: Path | str, *, progress: bool = False) -> ExportContents:
    """Read everything valid from an export; problems are collected, not raised (except an unusable export)."""
    source = _Source(Path(path))
    out = ExportContents()
    try:
        out.members = _read_members(source, out.problems)
        out.channels = _read_channels(source, out.problems)
        user_names = {m.id: m.label for m in out.members}
        by_name = {c.name: c for c in out.channels}
        channel_names = {c.id: c.name for c in out.channels}
        folders = source.channel_files()
        for folder in folders:
            if folder not in by_name:
                out.problems.append(
                    ExportProblem(f"{folder}/", "is not listed in channels.json; ingested as its own channel")
                )
                ch = Channel(id=folder, name=folder)
                out.channels.append(ch)
                by_name[folder] = ch
                channel_names[folder] = folder
        items = [(folder, rel) for folder, rels in folders.items() for rel in rels]
        iterator: Any = items
        if progress:
            from tqdm import tqdm

            iterator = tqdm(items, desc="reading export", unit="file", leave=False)
        messages: dict[tuple[str, str], Message] = {}
        edits: list[tuple[str, dict[str, Any]]] = []
        deletions: list[tuple[str, str]] = []
        for folder, rel in iterator:
            channel_id = by_name[folder].id
            data = _load_json(source, rel, out.problems)
            out.files_read += 1
            if data is None:
                continue
            for raw in _iter_raw(data, rel, out.problems):
                if raw.type != "message":
                    continue
                if raw.subtype == "message_changed" and raw.message:
                    edits.append((channel_id, raw.message))
                    continue
                if raw.subtype == "message_deleted" and raw.deleted_ts:
                    deletions.append((channel_id, raw.deleted_ts))
                    continue
                msg = _to_message(raw, channel_id, user_names, channel_names)
                if raw.subtype in ("channel_join", "group_join") and raw.user:
                    out.joins.append((channel_id, raw.user, msg.time))
                # Old exports list a parent's replies without thread_ts on the replies themselves.
                if raw.replies and msg.thread_ts is None:
                    msg = msg.model_copy(update={"thread_ts": msg.ts})
                messages[(channel_id, msg.ts)] = msg
                for reply in raw.replies:
                    key = (channel_id, reply.ts)
                    if key in messages and messages[key].thread_ts is None:
                        messages[key] = messages[key].model_copy(update={"thread_ts": msg.ts})
        _apply_edits(messages, edits, deletions, user_names, channel_names)
        _link_threads(messages)
        out.messages = sorted(messages.values(), key=lambda m: (float(m.ts), m.channel_id))
    finally:
        source.close()
    return out


def _apply_edits(
    messages: dict[tuple[str, str], Message],
    edits: list[tuple[str, dict[str, Any]]],
    deletions: list[tuple[str, str]],
    users: dict[str, str],
    channels: dict[str, str],
) -> None:
    for channel_id, new in edits:
        ts = str(new.get("ts", ""))
        old = messages.get((channel_id, ts))
        if old is None:
            continue
        raw_text = str(new.get("text") or "")
        edited = new.get("edited") or {}
        messages[(channel_id, ts)] = old.model_copy(
            update={
                "text": resolve_markup(raw_text[:MAX_TEXT_CHARS], users, channels),
                "raw_text": raw_text,
                "edited": Edit(user=edited.get("user"), ts=str(edited.get("ts", ts))),
            }
        )
    for channel_id, ts in deletions:
        old = messages.get((channel_id, ts))
        if old is not None:
            messages[(channel_id, ts)] = old.model_copy(update={"deleted": True})


def _link_threads(messages: dict[tuple[str, str], Message]) -> None:
    """Parents get ``thread_ts`` and a reply count from the replies actually present in any file."""
    replies: dict[tuple[str, str], list[Message]] = {}
    for m in messages.values():
        if m.is_reply and m.thread_ts:
            replies.setdefault((m.channel_id, m.thread_ts), []).append(m)
    for (channel_id, thread_ts), items in replies.items():
        parent = messages.get((channel_id, thread_ts))
        if parent is None:
            continue
        users = list(dict.fromkeys([*parent.reply_users, *(r.user_id for r in items if r.user_id)]))
        messages[(channel_id, thread_ts)] = parent.model_copy(
            update={
                "thread_ts": thread_ts,
                "reply_count": max(parent.reply_count, len(items)),
                "reply_users": users,
            }
        )

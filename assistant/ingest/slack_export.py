"""Reads a standard Slack workspace export (folder or ``.zip``) into domain records.

``channels.json`` (and ``groups.json`` for private channels, ``dms.json`` / ``mpims.json`` for direct messages),
``users.json`` and ``<channel>/<file>.json`` day files. Threads are rebuilt by ``thread_ts`` across files.

An export is untrusted input. Every file and every record is checked on its own: a bad one is named in
``ExportContents.problems`` and skipped while everything valid is kept, and ``read_export`` raises nothing but
``ExportError`` (an export that cannot be used at all). Direct messages are not read unless asked for, and a
folder no listing names is kept as private. Nothing outside the export is read: symbolic links are not followed,
zip entries with ``..``, absolute or backslashed paths are refused, and every file is read with a byte cap.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from assistant.domain import Channel, Edit, FileRef, Member, Message, Reaction
from assistant.domain.workspace import TS_EARLIEST, TS_LATEST, check_ts
from assistant.errors import ExportError
from assistant.ingest.markup import resolve_markup

logger = logging.getLogger(__name__)

#: A single message larger than this is kept whole in ``raw_text`` but its readable text is cut for models.
MAX_TEXT_CHARS = 40_000
#: Slack caps a message at 40,000 characters; ``raw_text`` beyond this is cut (with a problem naming the message).
MAX_RAW_TEXT_CHARS = 200_000
#: No single file of an export is read beyond this many bytes (a day file of a busy channel is a few MB).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: A zip's entries together are not unpacked beyond this many bytes.
MAX_TOTAL_BYTES = 16 * 1024 * 1024 * 1024
#: Slack's JSON compresses about 10:1; an entry above this ratio (and above ``RATIO_CHECK_BYTES``) is a zip bomb.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_BYTES = 1024 * 1024
#: Slack records nest a handful of levels; a record nested deeper than this is refused.
MAX_JSON_DEPTH = 64
#: The archive's id and name columns.
MAX_ID_CHARS = 64
MAX_NAME_CHARS = 255
#: At most this many problems of one kind are listed per file; the rest are counted in one line.
MAX_PROBLEMS_PER_FILE = 50

_LISTINGS = ("channels.json", "groups.json", "dms.json", "mpims.json")
_OPT_IN = "run `assistant ingest --include-dms` or set ASSISTANT_INGEST_DIRECT_MESSAGES=true to read them"


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
    #: Direct-message and group-DM conversations present in the export but not read (no opt-in).
    direct_messages_skipped: int = 0


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


# Reading files from a folder or a zip ------------------------------------------------------------------------------
class _Unreadable(Exception):
    """A file that is skipped; the message is the problem line."""


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _unsafe_entry(name: str) -> bool:
    """Zip entry names that could reach outside the export: absolute, ``..``, ``.``, empty parts, backslashes."""
    path = name[:-1] if name.endswith("/") else name
    return (
        not path
        or path.startswith("/")
        or "\\" in path
        or "\x00" in path
        or (len(path) > 1 and path[1] == ":")
        or any(part in ("", ".", "..") for part in path.split("/"))
    )


class _Source:
    """Uniform access to files of an export folder or zip, relative to the folder holding channels.json."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._entries: dict[str, zipfile.ZipInfo] = {}
        self._budget = MAX_TOTAL_BYTES
        #: Problems found while opening (unsafe zip entries); ``read_export`` reports them first.
        self.problems: list[ExportProblem] = []
        if not os.path.lexists(path):
            raise ExportError(f"The export {path} does not exist.")
        if path.is_file():
            self._open_zip(path)
        elif not path.is_dir():
            raise ExportError(f"{path} is neither a folder nor a valid .zip Slack export.")
        elif not os.path.lexists(path / "channels.json"):
            raise ExportError(f"{path} has no channels.json: it is not a Slack workspace export.")

    def _open_zip(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
            raise ExportError(f"{path} is neither a folder nor a valid .zip Slack export.") from None
        safe: dict[str, zipfile.ZipInfo] = {}
        unsafe: list[str] = []
        for info in infos:
            if _unsafe_entry(info.filename):
                unsafe.append(info.filename)
            elif not info.is_dir():
                safe[info.filename] = info
        roots = [n for n in safe if PurePosixPath(n).name == "channels.json"]
        if not roots:
            raise ExportError(f"{path.name} has no channels.json: it is not a Slack workspace export.")
        parent = str(PurePosixPath(min(roots, key=lambda n: (len(n), n))).parent)
        prefix = "" if parent == "." else parent + "/"
        self._entries = {n[len(prefix) :]: info for n, info in safe.items() if n.startswith(prefix)}
        for name in unsafe[:MAX_PROBLEMS_PER_FILE]:
            shown = name if len(name) <= 200 else name[:197] + "..."
            self.problems.append(
                ExportProblem(shown, "zip entry path reaches outside the export (.., ., absolute or \\); skipped")
            )
        if len(unsafe) > MAX_PROBLEMS_PER_FILE:
            more = len(unsafe) - MAX_PROBLEMS_PER_FILE
            self.problems.append(ExportProblem(path.name, f"{more} more unsafe zip entries skipped"))

    def exists(self, rel: str) -> bool:
        if self._zip:
            return rel in self._entries
        return os.path.lexists(self.path / rel)

    def read(self, rel: str) -> bytes:
        """The file's bytes, or ``_Unreadable`` saying why it is skipped."""
        if self._zip:
            return self._read_entry(rel)
        return self._read_file(rel)

    def _read_file(self, rel: str) -> bytes:
        parts = rel.split("/")
        for i in range(1, len(parts)):  # a folder on the way must not be a link either
            if os.path.islink(self.path.joinpath(*parts[:i])):
                raise _Unreadable("is inside a symbolic link; not followed")
        target = self.path.joinpath(*parts)
        try:
            if stat.S_ISLNK(os.lstat(target).st_mode):
                raise _Unreadable("is a symbolic link; not followed (an export only reads its own files)")
            flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
            fd = os.open(target, flags)
        except OSError as exc:
            raise _Unreadable(f"could not be opened ({exc.strerror or type(exc).__name__})") from None
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _Unreadable("is not a regular file; skipped")
            if info.st_size > MAX_FILE_BYTES:
                raise _Unreadable(
                    f"is {_mb(info.st_size)}, over the {_mb(MAX_FILE_BYTES)} limit per file; skipped"
                )
            try:
                data = fh.read(MAX_FILE_BYTES + 1)
            except OSError as exc:
                raise _Unreadable(f"could not be read ({exc.strerror or type(exc).__name__})") from None
        if len(data) > MAX_FILE_BYTES:
            raise _Unreadable(f"is over the {_mb(MAX_FILE_BYTES)} limit per file; skipped")
        return data

    def _read_entry(self, rel: str) -> bytes:
        assert self._zip is not None
        info = self._entries[rel]
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _Unreadable("is a symbolic link inside the zip; not followed")
        if info.file_size > MAX_FILE_BYTES:
            raise _Unreadable(
                f"unpacks to {_mb(info.file_size)}, over the {_mb(MAX_FILE_BYTES)} limit per file; skipped"
            )
        if info.file_size >= RATIO_CHECK_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise _Unreadable(
                f"compresses {ratio:,}:1, beyond the {MAX_COMPRESSION_RATIO}:1 a Slack export has; "
                "skipped as a likely zip bomb"
            )
        cap = min(MAX_FILE_BYTES, self._budget)
        chunks: list[bytes] = []
        size = 0
        try:
            # The declared size is not trusted: the entry is streamed and cut at the cap.
            with self._zip.open(info) as fh:
                while chunk := fh.read(min(1024 * 1024, cap + 1 - size)):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > cap:
                        break
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
            raise _Unreadable(f"could not be unpacked ({exc})") from None
        except Exception as exc:  # zlib.error and friends: a damaged entry is that entry's problem only
            raise _Unreadable(f"could not be unpacked ({type(exc).__name__})") from None
        if size > cap:
            if cap < MAX_FILE_BYTES:
                raise _Unreadable(f"skipped: the zip already unpacked {_mb(MAX_TOTAL_BYTES)}, its limit")
            raise _Unreadable(f"unpacks to over the {_mb(MAX_FILE_BYTES)} limit per file; skipped")
        self._budget -= size
        return b"".join(chunks)

    def channel_files(self, problems: list[ExportProblem]) -> dict[str, list[str]]:
        """Folder name -> its ``*.json`` files (relative), in name order (day files sort by date)."""
        out: dict[str, list[str]] = {}
        if self._zip:
            for rel in self._entries:
                parts = rel.split("/")
                if len(parts) == 2 and parts[1].endswith(".json"):
                    out.setdefault(parts[0], []).append(rel)
        else:
            self._folder_files(out, problems)
        return {k: sorted(v) for k, v in sorted(out.items())}

    def _folder_files(self, out: dict[str, list[str]], problems: list[ExportProblem]) -> None:
        try:
            top = sorted(os.scandir(self.path), key=lambda e: e.name)
        except OSError as exc:
            raise ExportError(f"{self.path} could not be listed ({exc.strerror or exc}).") from None
        for entry in top:
            if entry.is_symlink():
                if entry.name not in _LISTINGS and entry.name != "users.json":  # those are reported when read
                    problems.append(ExportProblem(entry.name, "is a symbolic link; not followed"))
                continue
            if not entry.is_dir(follow_symlinks=False):
                continue
            try:
                inner = sorted(os.scandir(entry.path), key=lambda e: e.name)
            except OSError as exc:
                problems.append(ExportProblem(f"{entry.name}/", f"could not be listed ({exc.strerror or exc})"))
                continue
            files: list[str] = []
            for item in inner:
                if not item.name.endswith(".json"):
                    continue
                rel = f"{entry.name}/{item.name}"
                if item.is_symlink():
                    problems.append(ExportProblem(rel, "is a symbolic link; not followed"))
                elif item.is_file(follow_symlinks=False):
                    files.append(rel)
                else:
                    problems.append(ExportProblem(rel, "is not a regular file; skipped"))
            if files:
                out[entry.name] = files

    def close(self) -> None:
        if self._zip:
            self._zip.close()


def _decode(blob: bytes) -> tuple[str, int]:
    """Text of a file (a UTF-8 byte-order mark is dropped) and how many undecodable bytes were replaced."""
    try:
        return blob.decode("utf-8-sig"), 0
    except UnicodeDecodeError:
        text = blob.decode("utf-8-sig", errors="replace")
        return text, max(text.count("\ufffd") - blob.count(b"\xef\xbf\xbd"), 1)


def _load_json(source: _Source, rel: str, problems: list[ExportProblem]) -> Any:
    try:
        blob = source.read(rel)
    except _Unreadable as exc:
        problems.append(ExportProblem(rel, str(exc)))
        return None
    text, replaced = _decode(blob)
    del blob
    if replaced:
        problems.append(
            ExportProblem(
                rel, f"had {replaced} undecodable byte(s) (not UTF-8), replaced with U+FFFD; the rest was read"
            )
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(ExportProblem(rel, f"is not valid JSON ({exc.msg} at line {exc.lineno})"))
    except RecursionError:
        problems.append(ExportProblem(rel, "is nested too deeply to read; skipped"))
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        problems.append(ExportProblem(rel, f"is not valid JSON ({str(exc)[:120]})"))
    return None


def _too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parsed JSON value nests deeper than ``limit`` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return False


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "record"
    return f"{where} {err['msg'].removeprefix('Value error, ')}"[:300]


def _records(data: Any, rel: str, what: str, problems: list[ExportProblem]) -> Iterator[tuple[int, Any]]:
    """The entries of a JSON list, each (index, value); entries nested absurdly deep are named and skipped."""
    if not isinstance(data, list):
        problems.append(ExportProblem(rel, f"should be a JSON list of {what}s"))
        return
    for i, item in enumerate(data):
        if _too_deep(item):
            problems.append(ExportProblem(rel, f"{what} {i} skipped: nested over {MAX_JSON_DEPTH} levels"))
            continue
        yield i, item


class _Capped:
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


def _name(value: str | None, fallback: str = "") -> str:
    return (value or fallback)[:MAX_NAME_CHARS]


def _read_members(source: _Source, problems: list[ExportProblem]) -> list[Member]:
    if not source.exists("users.json"):
        problems.append(ExportProblem("users.json", "is missing; authors are shown by id"))
        return []
    data = _load_json(source, "users.json", problems)
    if data is None:
        return []
    members: list[Member] = []
    capped = _Capped(problems, "users.json")
    for i, raw in _records(data, "users.json", "user", problems):
        try:
            u = ExportUser.model_validate(raw)
            profile = u.profile or ExportProfile()
            members.append(
                Member(
                    id=u.id,
                    name=_name(u.name, u.id),
                    real_name=_name(u.real_name or profile.real_name),
                    display_name=_name(profile.display_name),
                    title=_name(profile.title),
                    is_bot=u.is_bot,
                    deleted=u.deleted,
                    tz=u.tz,
                )
            )
        except ValidationError as exc:
            capped.add(f"entry {i} is not a user ({_first_error(exc)})")
    capped.close()
    return members


@dataclass(frozen=True)
class _Listed:
    """A conversation a listing names, and the folder its day files are in."""

    folder: str
    channel: Channel
    listing: str


def _read_listings(source: _Source, problems: list[ExportProblem]) -> list[_Listed]:
    listed: list[_Listed] = []
    for listing in _LISTINGS:
        if not source.exists(listing):
            continue
        data = _load_json(source, listing, problems)
        if data is None:
            continue
        capped = _Capped(problems, listing)
        for i, raw in _records(data, listing, "channel", problems):
            try:
                listed.append(_listed(listing, raw))
            except ValidationError as exc:
                capped.add(f"entry {i} is not a channel ({_first_error(exc)})")
        capped.close()
    return listed


def _listed(listing: str, raw: Any) -> _Listed:
    direct = listing in ("dms.json", "mpims.json")
    c = (ExportConversation if direct else ExportChannel).model_validate(raw)
    kind = {"dms.json": "im", "mpims.json": "mpim"}.get(listing, "channel")
    if listing == "dms.json":
        folder = c.id
    elif not c.name:
        raise ValidationError.from_exception_data("channel", [{"type": "missing", "loc": ("name",), "input": raw}])
    else:
        folder = c.name
    channel = Channel(
        id=c.id,
        name=_name(c.name, c.id),
        created=as_datetime(c.created),
        is_private=direct or listing == "groups.json" or c.is_private,
        is_archived=c.is_archived,
        topic=str((c.topic or {}).get("value", ""))[:MAX_TEXT_CHARS],
        purpose=str((c.purpose or {}).get("value", ""))[:MAX_TEXT_CHARS],
        members=list(c.members),
        kind=kind,
    )
    return _Listed(folder=folder, channel=channel, listing=listing)


def to_message(
    raw: ExportMessage,
    channel_id: str,
    users: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
    capped: _Capped | None = None,
) -> Message:
    """A domain ``Message`` from a validated Slack message object: an export's line, or a Web API / Events API
    message (``assistant.slack.convert``). Texts, names and ids are capped alike on both paths; ``capped``
    records which raw texts were cut (the export report names them)."""
    files = list(raw.files) + ([raw.file] if raw.file else [])
    raw_text = _cap_raw_text(raw.text or "", raw.ts, capped)
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


def _cap_raw_text(raw_text: str, ts: str, capped: _Capped | None) -> str:
    if len(raw_text) <= MAX_RAW_TEXT_CHARS:
        return raw_text
    if capped is not None:
        capped.add(
            f"message {ts} has {len(raw_text):,} characters; only the first {MAX_RAW_TEXT_CHARS:,} were kept"
        )
    return raw_text[:MAX_RAW_TEXT_CHARS]


def read_export(
    path: Path | str, *, progress: bool = False, include_direct_messages: bool = False
) -> ExportContents:
    """Read everything valid from an export; problems are collected, not raised.

    Only an export that cannot be used at all raises, and only ``ExportError`` (one sentence). Direct messages and
    group DMs (``dms.json`` / ``mpims.json``) are read only with ``include_direct_messages``.
    """
    try:
        source = _Source(Path(path))
    except ExportError:
        raise
    except Exception as exc:  # a path the OS refuses (NUL, permissions, ...): still one sentence
        raise ExportError(f"The export {path} could not be opened ({type(exc).__name__}).") from None
    out = ExportContents()
    out.problems.extend(source.problems)
    try:
        _read_all(source, out, progress=progress, include_direct_messages=include_direct_messages)
    except ExportError:
        raise
    except Exception as exc:  # an input nobody foresaw must still not end in a traceback
        logger.debug("reading %s failed", path, exc_info=True)
        raise ExportError(
            f"The export {path} could not be read ({type(exc).__name__}: {str(exc)[:200]})."
        ) from None
    finally:
        source.close()
    return out


def _read_all(source: _Source, out: ExportContents, *, progress: bool, include_direct_messages: bool) -> None:
    out.members = _read_members(source, out.problems)
    listed = _read_listings(source, out.problems)
    user_names = {m.id: m.label for m in out.members}
    folders = source.channel_files(out.problems)
    # A folder or id that a DM (or private) listing names stays a DM (or private) even if another listing also
    # names it as public: privacy wins, so DMs come first, then private channels.
    listed.sort(key=lambda e: (e.channel.kind == "channel", not e.channel.is_private))
    direct_ids = {e.channel.id for e in listed if e.channel.kind != "channel"}
    by_folder: dict[str, _Listed] = {}
    stored: dict[str, Channel] = {}
    for entry in listed:
        by_folder.setdefault(entry.folder, entry)
        if entry.channel.kind == "channel" and entry.channel.id in direct_ids:
            continue
        if entry.channel.kind == "channel" or include_direct_messages:
            stored.setdefault(entry.channel.id, entry.channel)
    skipped: dict[str, list[int]] = {}
    folder_channel: dict[str, str] = {}
    for folder in list(folders):
        found = by_folder.get(folder)
        if found is None:
            if len(folder) > MAX_ID_CHARS:
                out.problems.append(
                    ExportProblem(
                        f"{folder[:60]}.../", "is not listed and its name is too long for an id; skipped"
                    )
                )
                del folders[folder]
                continue
            out.problems.append(
                ExportProblem(
                    f"{folder}/",
                    "is not listed in channels.json, groups.json, dms.json or mpims.json; "
                    "kept as a private channel with no members (nobody sees it until you decide)",
                )
            )
            stored.setdefault(folder, Channel(id=folder, name=folder[:MAX_NAME_CHARS], is_private=True))
            folder_channel[folder] = folder
        elif found.channel.id in direct_ids and not include_direct_messages:
            listing = found.listing if found.channel.kind != "channel" else "dms.json"
            skipped.setdefault(listing, []).append(len(folders.pop(folder)))
        else:
            folder_channel[folder] = stored[found.channel.id].id
    for listing, file_counts in skipped.items():
        what = "direct-message" if listing == "dms.json" else "group direct-message"
        out.problems.append(
            ExportProblem(
                listing,
                f"{len(file_counts)} {what} conversation(s) ({sum(file_counts)} day files) were not read, "
                f"they are private; {_OPT_IN}",
            )
        )
        out.direct_messages_skipped += len(file_counts)
    out.channels = list(stored.values())
    channel_names = {c.id: c.name for c in out.channels}
    items = [(folder, rel) for folder, rels in folders.items() for rel in rels]
    iterator: Any = items
    if progress:
        from tqdm import tqdm

        iterator = tqdm(items, desc="reading export", unit="file", leave=False)
    state = _State()
    for folder, rel in iterator:
        out.files_read += 1
        try:
            _read_day_file(source, rel, folder_channel[folder], user_names, channel_names, state, out)
        except Exception as exc:  # one file nobody foresaw costs that file, not the export
            logger.debug("reading %s failed", rel, exc_info=True)
            out.problems.append(ExportProblem(rel, f"could not be read ({type(exc).__name__}); skipped"))
    _apply_edits(state.messages, state.edits, state.deletions, user_names, channel_names, out.problems)
    _link_threads(state.messages)
    out.messages = sorted(state.messages.values(), key=lambda m: (float(m.ts), m.channel_id))


@dataclass
class _State:
    messages: dict[tuple[str, str], Message] = field(default_factory=dict)
    #: Which file each message came from, to name both files of a duplicate.
    origin: dict[tuple[str, str], str] = field(default_factory=dict)
    edits: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    deletions: list[tuple[str, str]] = field(default_factory=list)


def _read_day_file(
    source: _Source,
    rel: str,
    channel_id: str,
    user_names: dict[str, str],
    channel_names: dict[str, str],
    state: _State,
    out: ExportContents,
) -> None:
    data = _load_json(source, rel, out.problems)
    if data is None:
        return
    capped = _Capped(out.problems, rel)
    for i, item in _records(data, rel, "message", out.problems):
        try:
            raw = ExportMessage.model_validate(item)
            if raw.type != "message":
                continue
            if raw.subtype == "message_changed" and raw.message:
                state.edits.append((channel_id, rel, raw.message))
                continue
            if raw.subtype == "message_deleted" and raw.deleted_ts:
                state.deletions.append((channel_id, raw.deleted_ts))
                continue
            msg = to_message(raw, channel_id, user_names, channel_names, capped)
        except ValidationError as exc:
            capped.add(f"message {i} skipped: {_first_error(exc)}")
            continue
        if raw.subtype in ("channel_join", "group_join") and raw.user:
            out.joins.append((channel_id, raw.user, msg.time))
        # Old exports list a parent's replies without thread_ts on the replies themselves.
        if raw.replies and msg.thread_ts is None:
            msg = msg.model_copy(update={"thread_ts": msg.ts})
        key = (channel_id, msg.ts)
        if key in state.messages:
            first = state.origin[key]
            where = "earlier in this file" if first == rel else f"in {first}"
            capped.add(f"message {msg.ts} appears twice (also {where}); the later copy is kept")
        state.messages[key] = msg
        state.origin[key] = rel
        for reply in raw.replies:
            rkey = (channel_id, reply.ts)
            if rkey in state.messages and state.messages[rkey].thread_ts is None:
                state.messages[rkey] = state.messages[rkey].model_copy(update={"thread_ts": msg.ts})
    capped.close()


def _apply_edits(
    messages: dict[tuple[str, str], Message],
    edits: list[tuple[str, str, dict[str, Any]]],
    deletions: list[tuple[str, str]],
    users: dict[str, str],
    channels: dict[str, str],
    problems: list[ExportProblem],
) -> None:
    for channel_id, rel, new in edits:
        try:
            change = ExportChangedMessage.model_validate(new)
        except ValidationError as exc:
            problems.append(ExportProblem(rel, f"an edit was skipped: {_first_error(exc)}"))
            continue
        old = messages.get((channel_id, change.ts))
        if old is None:
            continue
        raw_text = _cap_raw_text(change.text or "", change.ts, None)
        mark = change.edited or ExportEditMark()
        # Validated again (not ``model_copy``) so the new text gets the same cleaning as every other message.
        messages[(channel_id, change.ts)] = Message.model_validate(
            {
                **old.model_dump(),
                "text": resolve_markup(raw_text[:MAX_TEXT_CHARS], users, channels),
                "raw_text": raw_text,
                "edited": Edit(user=mark.user, ts=str(mark.ts or change.ts)),
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

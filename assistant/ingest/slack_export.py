"""Reads a standard Slack workspace export (folder or ``.zip``) into domain records.

``channels.json`` (and ``groups.json`` for private channels, ``dms.json`` / ``mpims.json`` for direct messages),
``users.json`` and ``<channel>/<file>.json`` day files. Threads are rebuilt by ``thread_ts`` across files.

An export is untrusted input. Every file and every record is checked on its own: a bad one is named in
``ExportContents.problems`` and skipped while everything valid is kept, and ``read_export`` raises nothing but
``ExportError`` (an export that cannot be used at all). Direct messages are not read unless asked for, and a
folder no listing names is kept as private. Nothing outside the export is read: symbolic links are not followed,
zip entries with ``..``, absolute or backslashed paths are refused, and every file is read with a byte cap.

The export's files are read by ``export_files`` (safe paths, byte caps, JSON) and each record is validated and
converted by ``export_records``; this module interprets the export: listings, members, day files, edits and
threads. The byte and raw-text limits are read from this module on every ``read_export`` call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.domain import Channel, Edit, Member, Message
from assistant.errors import ExportError
from assistant.ingest.export_files import (
    LISTINGS,
    MAX_COMPRESSION_RATIO,
    MAX_FILE_BYTES,
    MAX_JSON_DEPTH,
    MAX_TOTAL_BYTES,
    RATIO_CHECK_BYTES,
    ExportFiles,
    json_records,
    load_json,
)
from assistant.ingest.export_records import (
    MAX_ID_CHARS,
    MAX_NAME_CHARS,
    MAX_PROBLEMS_PER_FILE,
    MAX_RAW_TEXT_CHARS,
    MAX_TEXT_CHARS,
    Capped,
    ExportChangedMessage,
    ExportChannel,
    ExportConversation,
    ExportEditMark,
    ExportMessage,
    ExportProblem,
    ExportProfile,
    ExportUser,
    as_datetime,
    cap_raw_text,
    first_error,
    to_message,
)
from assistant.ingest.markup import resolve_markup

__all__ = [
    "MAX_COMPRESSION_RATIO",
    "MAX_FILE_BYTES",
    "MAX_ID_CHARS",
    "MAX_JSON_DEPTH",
    "MAX_NAME_CHARS",
    "MAX_PROBLEMS_PER_FILE",
    "MAX_RAW_TEXT_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_TOTAL_BYTES",
    "RATIO_CHECK_BYTES",
    "ExportContents",
    "ExportMessage",
    "ExportProblem",
    "as_datetime",
    "read_export",
    "to_message",
]

logger = logging.getLogger(__name__)

_OPT_IN = "run `assistant ingest --include-dms` or set ASSISTANT_INGEST_DIRECT_MESSAGES=true to read them"


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


def _name(value: str | None, fallback: str = "") -> str:
    return (value or fallback)[:MAX_NAME_CHARS]


def _read_members(source: ExportFiles, problems: list[ExportProblem]) -> list[Member]:
    if not source.exists("users.json"):
        problems.append(ExportProblem("users.json", "is missing; authors are shown by id"))
        return []
    data = load_json(source, "users.json", problems)
    if data is None:
        return []
    members: list[Member] = []
    capped = Capped(problems, "users.json")
    for i, raw in json_records(data, "users.json", "user", problems):
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
            capped.add(f"entry {i} is not a user ({first_error(exc)})")
    capped.close()
    return members


@dataclass(frozen=True)
class _Listed:
    """A conversation a listing names, and the folder its day files are in."""

    folder: str
    channel: Channel
    listing: str


def _read_listings(source: ExportFiles, problems: list[ExportProblem]) -> list[_Listed]:
    listed: list[_Listed] = []
    for listing in LISTINGS:
        if not source.exists(listing):
            continue
        data = load_json(source, listing, problems)
        if data is None:
            continue
        capped = Capped(problems, listing)
        for i, raw in json_records(data, listing, "channel", problems):
            try:
                listed.append(_listed(listing, raw))
            except ValidationError as exc:
                capped.add(f"entry {i} is not a channel ({first_error(exc)})")
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


def read_export(
    path: Path | str, *, progress: bool = False, include_direct_messages: bool = False
) -> ExportContents:
    """Read everything valid from an export; problems are collected, not raised.

    Only an export that cannot be used at all raises, and only ``ExportError`` (one sentence). Direct messages and
    group DMs (``dms.json`` / ``mpims.json``) are read only with ``include_direct_messages``.
    """
    try:
        source = ExportFiles(Path(path), max_file_bytes=MAX_FILE_BYTES, max_total_bytes=MAX_TOTAL_BYTES)
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


def _read_all(source: ExportFiles, out: ExportContents, *, progress: bool, include_direct_messages: bool) -> None:
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
    source: ExportFiles,
    rel: str,
    channel_id: str,
    user_names: dict[str, str],
    channel_names: dict[str, str],
    state: _State,
    out: ExportContents,
) -> None:
    data = load_json(source, rel, out.problems)
    if data is None:
        return
    capped = Capped(out.problems, rel)
    for i, item in json_records(data, rel, "message", out.problems):
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
            msg = to_message(raw, channel_id, user_names, channel_names, capped, max_raw_chars=MAX_RAW_TEXT_CHARS)
        except ValidationError as exc:
            capped.add(f"message {i} skipped: {first_error(exc)}")
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
            problems.append(ExportProblem(rel, f"an edit was skipped: {first_error(exc)}"))
            continue
        old = messages.get((channel_id, change.ts))
        if old is None:
            continue
        raw_text = cap_raw_text(change.text or "", change.ts, None, MAX_RAW_TEXT_CHARS)
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

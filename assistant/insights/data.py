"""One consistent read of the archive for the insight services, restricted to the channels a caller may see.

Services compute from this snapshot instead of querying per metric: the archive is read once per refresh, and
``restrict()`` guarantees private-channel content never reaches someone outside the channel.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from assistant.domain import Channel, Citation, Judgment, Member, Message
from assistant.insights.periods import aware
from assistant.store import Archive
from assistant.store.aggregates import FLAT_REPLY_WINDOW, first_replies

if TYPE_CHECKING:
    from assistant.store.aggregates import AggregateReader

logger = logging.getLogger(__name__)

__all__ = ["FLAT_REPLY_WINDOW", "Directory", "Snapshot", "load_snapshot", "strip_mentions"]


class Snapshot:
    """The archive as the insight functions read it. Built either from lists (tests, small tools) or lazily
    (``load_snapshot``): then channels, members and joins are read at once, messages and judgments only when
    something reads them, and the aggregate answers (metrics, mood, quiet members, activity) go to ``aggregates``
    instead (``assistant.store.aggregates``), reading O(days in the window) rows."""

    def __init__(
        self,
        channels: dict[str, Channel],
        members: dict[str, Member],
        joins: dict[tuple[str, str], datetime | None],
        messages: list[Message] | None = None,
        judgments: dict[tuple[str, str], Judgment] | None = None,
        permalink_base: str | None = None,
        newest_overall: datetime | None = None,
        *,
        source: Callable[[], tuple[list[Message], dict[tuple[str, str], Judgment]]] | None = None,
        aggregates: AggregateReader | None = None,
        find: Callable[[str, str], Message | None] | None = None,
    ) -> None:
        self._find = find
        self.channels = channels
        self.members = members
        self.joins = joins
        self.permalink_base = permalink_base
        #: "Now" of the whole workspace, kept when the snapshot is restricted so every view shares one clock.
        self.newest_overall = newest_overall
        self.aggregates = aggregates
        self._names_by_first: dict[str, list[str]] | None = None
        self._source = source
        self._messages = messages
        self._judgments = judgments
        self._loaded = False
        self._with_messages: set[str] | None = None
        if messages is not None:
            self._load(messages, judgments or {})

    def _load(self, messages: list[Message], judgments: dict[tuple[str, str], Judgment]) -> None:
        messages.sort(key=lambda m: (float(m.ts), m.channel_id))
        self._messages = messages
        self._judgments = judgments
        grouped: dict[str, list[Message]] = defaultdict(list)
        for m in messages:
            grouped[m.channel_id].append(m)
        self._by_channel = dict(grouped)
        self._times = {cid: [float(m.ts) for m in ms] for cid, ms in self._by_channel.items()}
        self._first_reply = _first_replies(self._by_channel, self.members)
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for m in messages:
            if m.is_reply and m.thread_ts:
                counts[(m.channel_id, m.thread_ts)] += 1
        self._thread_replies = dict(counts)
        self._loaded = True

    def _ensure(self) -> None:
        if not self._loaded:
            if self._source is None:
                self._load([], {})
            else:
                self._load(*self._source())

    @property
    def loaded(self) -> bool:
        """Whether the messages are in memory (a lazy snapshot before anything read them is not)."""
        return self._loaded

    @property
    def stored(self) -> AggregateReader | None:
        """The aggregates an answer reads instead of the messages: a lazy snapshot's, while its messages are not
        in memory; None when the messages are (or there are no aggregates), and the answer scans them."""
        return self.aggregates if not self._loaded else None

    @property
    def messages(self) -> list[Message]:
        self._ensure()
        return self._messages or []

    @property
    def judgments(self) -> dict[tuple[str, str], Judgment]:
        self._ensure()
        return self._judgments or {}

    @property
    def by_channel(self) -> dict[str, list[Message]]:
        self._ensure()
        return self._by_channel

    @property
    def first_reply(self) -> dict[tuple[str, str], datetime]:
        self._ensure()
        return self._first_reply

    @property
    def thread_replies(self) -> dict[tuple[str, str], int]:
        self._ensure()
        return self._thread_replies

    def has_messages(self, channel_id: str) -> bool:
        """Whether the channel holds any conversation (from the aggregates while the messages are not loaded)."""
        if (agg := self.stored) is not None:
            if self._with_messages is None:
                self._with_messages = agg.channels_with_messages()
            return channel_id in self._with_messages and channel_id in self.channels
        return bool(self.by_channel.get(channel_id))

    def want_messages(self, channel_id: str, threshold: float) -> list[Message] | None:
        """A channel's messages judged as wants, read by SQL while the messages are not loaded (a few rows instead
        of the archive); None when the snapshot's own messages should be scanned (``insights.wants``)."""
        if (agg := self.stored) is None or channel_id not in self.channels:
            return None
        return agg.want_messages(channel_id, threshold)

    def find(self, channel_id: str, ts: str | None) -> Message | None:
        """One message of a channel in this snapshot, by ts (read from the archive when not loaded)."""
        if ts is None or channel_id not in self.channels:
            return None
        if self._loaded or self._find is None:
            return next((m for m in self.by_channel.get(channel_id, []) if m.ts == ts), None)
        return self._find(channel_id, ts)

    # Reading ----------------------------------------------------------------------------------------------------
    @property
    def newest(self) -> datetime | None:
        if self.newest_overall is not None:
            return self.newest_overall
        if (agg := self.stored) is not None:
            newest = agg.newest()
            self.newest_overall = datetime.fromtimestamp(newest, tz=UTC) if newest is not None else None
            return self.newest_overall
        return self.messages[-1].time if self.messages else None

    def now(self, at: datetime | None) -> datetime:
        """``at`` (in UTC), else the newest stored message, else the wall clock (see ``insights.periods``)."""
        if at is not None:
            return aware(at).astimezone(UTC)
        return self.newest or datetime.now(UTC)

    def channel_name(self, channel_id: str) -> str:
        ch = self.channels.get(channel_id)
        return ch.name if ch else channel_id

    def member_name(self, user_id: str | None) -> str:
        if not user_id:
            return "someone"
        m = self.members.get(user_id)
        return m.label if m else user_id

    def in_window(
        self, start: datetime | None, end: datetime | None, channel_id: str | None = None
    ) -> list[Message]:
        if channel_id is None:
            pool = self.messages
            times = [float(m.ts) for m in pool] if start or end else []
        else:
            pool = self.by_channel.get(channel_id, [])
            times = self._times.get(channel_id, [])
        if not start and not end:
            return list(pool)
        lo = bisect.bisect_left(times, start.timestamp()) if start else 0
        hi = bisect.bisect_left(times, end.timestamp()) if end else len(pool)
        return pool[lo:hi]

    def channel_members(self, channel_id: str, until: datetime | None = None) -> set[str]:
        """Members of a channel at ``until``: membership rows, else everyone who ever posted there."""
        listed = {
            uid
            for (cid, uid), joined in self.joins.items()
            if cid == channel_id and (joined is None or until is None or joined < until)
        }
        if self.aggregates is not None:
            found = self.aggregates.posters([channel_id], until.timestamp() if until else None)
            posted = {uid for _, uid in found}
        else:
            posted = {m.user_id for m in self.in_window(None, until, channel_id) if m.user_id}
        return {u for u in listed | posted if not self._is_bot(u)}

    def is_bot(self, user_id: str) -> bool:
        return self._is_bot(user_id)

    def _is_bot(self, user_id: str) -> bool:
        m = self.members.get(user_id)
        return bool(m and m.is_bot)

    def plain_text(self, m: Message) -> str:
        """Message text without links, code, emoji shortcodes and ``@member`` mentions: what labels and filters
        should read."""
        return self.plain_text_of(m.text)

    def plain_text_of(self, text: str) -> str:
        """``plain_text`` of a message's text alone."""
        return strip_mentions(_NOISE.sub(" ", text), self._mention_names())

    def _mention_names(self) -> dict[str, list[str]]:
        if self._names_by_first is None:
            by_first: dict[str, set[str]] = defaultdict(set)
            for member in self.members.values():
                for n in (member.name, member.display_name, member.real_name):
                    n = n.strip().lower()
                    if n:
                        by_first[n.split()[0]].add(n)
            self._names_by_first = {k: sorted(v, key=len, reverse=True) for k, v in by_first.items()}
        return self._names_by_first

    def judgment(self, m: Message) -> Judgment | None:
        return self.judgments.get((m.channel_id, m.ts))

    def permalink(self, m: Message) -> str | None:
        if not self.permalink_base:
            return None
        link = f"{self.permalink_base.rstrip('/')}/archives/{m.channel_id}/p{m.ts.replace('.', '')}"
        if m.is_reply and m.thread_ts:
            link += f"?thread_ts={m.thread_ts}&cid={m.channel_id}"
        return link

    def cite(self, m: Message, *, max_chars: int = 400) -> Citation:
        text = m.text if len(m.text) <= max_chars else m.text[: max_chars - 1] + "…"
        return Citation(
            channel=self.channel_name(m.channel_id),
            ts=m.ts,
            text=text,
            permalink=self.permalink(m),
            user=self.member_name(m.user_id),
        )

    def restrict(self, channel_ids: Iterable[str] | None) -> Snapshot:
        """A snapshot holding only these channels (None = everything)."""
        if channel_ids is None:
            return self
        keep = set(channel_ids)

        def kept() -> tuple[list[Message], dict[tuple[str, str], Judgment]]:
            return (
                [m for m in self.messages if m.channel_id in keep],
                {k: v for k, v in self.judgments.items() if k[0] in keep},
            )

        return Snapshot(
            channels={k: v for k, v in self.channels.items() if k in keep},
            members=self.members,
            joins={k: v for k, v in self.joins.items() if k[0] in keep},
            messages=kept()[0] if self._loaded or self._source is None else None,
            judgments=kept()[1] if self._loaded or self._source is None else None,
            permalink_base=self.permalink_base,
            newest_overall=self.newest,
            source=None if self._loaded or self._source is None else kept,
            aggregates=self.aggregates,
            find=self._find,
        )

    def resolve_channel(self, ref: str) -> Channel | None:
        wanted = ref.strip().lstrip("#").lower()
        for c in self.channels.values():
            if wanted in (c.id.lower(), c.name.lower()):
                return c
        return None


#: Links, Slack markup, code, and emoji shortcodes (``:slightly_smiling_face:``, ``:+1:``; a letter or sign is
#: needed, so "12:30:45" stays): none of them says what a message is about.
_NOISE = re.compile(r"https?://\S+|<[^>]+>|```.*?```|`[^`]*`|:(?=[a-z0-9_+'-]*[a-z+-])[a-z0-9_+'-]+:", re.S)


def strip_mentions(text: str, names_by_first: dict[str, list[str]]) -> str:
    """Remove ``@Name Surname`` mentions (longest known member name after each ``@``) and bare ``@handles``."""
    if "@" not in text:
        return text
    out: list[str] = []
    i = 0
    lowered = text.lower()
    while True:
        at = lowered.find("@", i)
        if at < 0:
            out.append(text[i:])
            break
        out.append(text[i:at])
        rest = lowered[at + 1 :]
        first = rest.split(maxsplit=1)[0] if rest.strip() else ""
        first = first.rstrip(":,.!?)")
        length = len(first)
        for name in names_by_first.get(first, []):
            if rest.startswith(name):
                length = max(length, len(name))
                break
        i = at + 1 + length
    return " ".join("".join(out).split())


@dataclass(frozen=True)
class Directory:
    """Who and where: the archive's channels, members and memberships. They change far less often than messages,
    so a service keeps them through new messages (``Archive.directory_version``)."""

    channels: dict[str, Channel]
    members: dict[str, Member]
    joins: dict[tuple[str, str], datetime | None]

    @classmethod
    def load(cls, archive: Archive) -> Directory:
        return cls(
            channels={c.id: c for c in archive.channels()},
            members={m.id: m for m in archive.members()},
            joins={(cid, uid): (aware(at) if at else None) for cid, uid, at in archive.memberships()},
        )


def load_snapshot(
    archive: Archive, *, permalink_base: str | None = None, lazy: bool = True, directory: Directory | None = None
) -> Snapshot:
    """The archive's snapshot: with ``lazy`` (the services), messages and judgments are read only when an
    answer needs them, and metrics, mood, quiet members and activity come from the aggregates. ``directory``:
    the channels, members and memberships already read (else they are read now)."""
    directory = directory or Directory.load(archive)
    channels, members, joins = dict(directory.channels), directory.members, dict(directory.joins)
    bots = {m.id for m in members.values() if m.is_bot}

    def read() -> tuple[list[Message], dict[tuple[str, str], Judgment]]:
        messages = [
            m
            for m in archive.iter_messages(conversation_only=True)
            if (m.text.strip() or m.files) and m.user_id not in bots
        ]
        judgments = archive.judgments()
        logger.info(
            "insights snapshot: %d channels, %d messages, %d judgments",
            len(channels),
            len(messages),
            len(judgments),
        )
        return messages, judgments

    if lazy:
        from assistant.store.aggregates import AggregateReader

        reader = AggregateReader(archive.engine)
        return Snapshot(
            channels=channels,
            members=members,
            joins=joins,
            permalink_base=permalink_base,
            source=read,
            aggregates=reader,
            find=reader.message,
        )
    messages, judgments = read()
    return Snapshot(
        channels=channels,
        members=members,
        joins=joins,
        messages=messages,
        judgments=judgments,
        permalink_base=permalink_base,
    )


_first_replies = first_replies

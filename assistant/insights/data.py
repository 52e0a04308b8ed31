"""One consistent read of the archive for the insight services, restricted to the channels a caller may see.

Services compute from this snapshot instead of querying per metric: the archive is read once per refresh, and
``restrict()`` guarantees private-channel content never reaches someone outside the channel.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from assistant.domain import Channel, Citation, Judgment, Member, Message
from assistant.insights.periods import aware
from assistant.store import Archive

logger = logging.getLogger(__name__)

#: In a channel without threads, another person's message within this time counts as a reply (flat chat).
FLAT_REPLY_WINDOW = timedelta(minutes=30)


@dataclass
class Snapshot:
    channels: dict[str, Channel]
    members: dict[str, Member]
    joins: dict[tuple[str, str], datetime | None]
    messages: list[Message]
    judgments: dict[tuple[str, str], Judgment]
    permalink_base: str | None = None
    by_channel: dict[str, list[Message]] = field(default_factory=dict)
    first_reply: dict[tuple[str, str], datetime] = field(default_factory=dict)
    thread_replies: dict[tuple[str, str], int] = field(default_factory=dict)
    _times: dict[str, list[float]] = field(default_factory=dict)
    _names_by_first: dict[str, list[str]] | None = None
    #: "Now" of the whole workspace, kept when the snapshot is restricted so every view shares one clock.
    newest_overall: datetime | None = None

    def __post_init__(self) -> None:
        self.messages.sort(key=lambda m: (float(m.ts), m.channel_id))
        grouped: dict[str, list[Message]] = defaultdict(list)
        for m in self.messages:
            grouped[m.channel_id].append(m)
        self.by_channel = dict(grouped)
        self._times = {cid: [float(m.ts) for m in ms] for cid, ms in self.by_channel.items()}
        self.first_reply = _first_replies(self.by_channel, self.members)
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for m in self.messages:
            if m.is_reply and m.thread_ts:
                counts[(m.channel_id, m.thread_ts)] += 1
        self.thread_replies = dict(counts)

    # Reading ----------------------------------------------------------------------------------------------------
    @property
    def newest(self) -> datetime | None:
        if self.newest_overall is not None:
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
        posted = {m.user_id for m in self.in_window(None, until, channel_id) if m.user_id}
        return {u for u in listed | posted if not self._is_bot(u)}

    def _is_bot(self, user_id: str) -> bool:
        m = self.members.get(user_id)
        return bool(m and m.is_bot)

    def plain_text(self, m: Message) -> str:
        """Message text without links, code, emoji shortcodes and ``@member`` mentions: what labels and filters
        should read."""
        return strip_mentions(_NOISE.sub(" ", m.text), self._mention_names())

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
        return Snapshot(
            channels={k: v for k, v in self.channels.items() if k in keep},
            members=self.members,
            joins={k: v for k, v in self.joins.items() if k[0] in keep},
            messages=[m for m in self.messages if m.channel_id in keep],
            judgments={k: v for k, v in self.judgments.items() if k[0] in keep},
            permalink_base=self.permalink_base,
            newest_overall=self.newest,
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


def load_snapshot(archive: Archive, *, permalink_base: str | None = None) -> Snapshot:
    channels = {c.id: c for c in archive.channels()}
    members = {m.id: m for m in archive.members()}
    joins = {(cid, uid): (aware(at) if at else None) for cid, uid, at in archive.memberships()}
    bots = {m.id for m in members.values() if m.is_bot}
    messages = [
        m
        for m in archive.iter_messages(conversation_only=True)
        if (m.text.strip() or m.files) and m.user_id not in bots
    ]
    judgments = archive.judgments()
    logger.info(
        "insights snapshot: %d channels, %d messages, %d judgments", len(channels), len(messages), len(judgments)
    )
    return Snapshot(
        channels=channels,
        members=members,
        joins=joins,
        messages=messages,
        judgments=judgments,
        permalink_base=permalink_base,
    )


def _first_replies(
    by_channel: dict[str, list[Message]], members: dict[str, Member]
) -> dict[tuple[str, str], datetime]:
    """When each top-level message first got a reply from someone else.

    Threaded channels: the first thread reply by another person. Channels without any thread replies (old
    exports, IRC logs): another person's message within ``FLAT_REPLY_WINDOW`` that follows it. In both, a later
    message by someone else that mentions the author by name (``@name``) within a day also counts.
    """
    out: dict[tuple[str, str], datetime] = {}
    for cid, msgs in by_channel.items():
        threaded = any(m.is_reply for m in msgs)
        if threaded:
            replies: dict[str, list[Message]] = defaultdict(list)
            for m in msgs:
                if m.is_reply and m.thread_ts:
                    replies[m.thread_ts].append(m)
            for m in msgs:
                if m.is_reply:
                    continue
                for r in replies.get(m.ts, []):
                    if r.user_id != m.user_id:
                        out[(cid, m.ts)] = r.time
                        break
        else:
            for i, m in enumerate(msgs):
                for nxt in msgs[i + 1 : i + 40]:
                    if nxt.time - m.time > FLAT_REPLY_WINDOW:
                        break
                    if nxt.user_id != m.user_id:
                        out[(cid, m.ts)] = nxt.time
                        break
        _mention_replies(cid, msgs, members, out)
    return out


def _mention_replies(
    cid: str, msgs: list[Message], members: dict[str, Member], out: dict[tuple[str, str], datetime]
) -> None:
    names: dict[str, set[str]] = {}
    for uid in {m.user_id for m in msgs if m.user_id}:
        mem = members.get(uid)
        if mem:
            names[uid] = {n.lower() for n in (mem.name, mem.display_name, mem.real_name) if n}
    mentions: list[tuple[datetime, str | None, set[str]]] = []
    for m in msgs:
        if "@" in m.text:
            mentions.append((m.time, m.user_id, {t.lower() for t in re.findall(r"@([\w.\-]+)", m.text)}))
    if not mentions:
        return
    times = [when.timestamp() for when, _, _ in mentions]
    for m in msgs:
        if m.is_reply or (cid, m.ts) in out or not m.user_id:
            continue
        mine = names.get(m.user_id, set())
        if not mine:
            continue
        for when, author, tokens in mentions[bisect.bisect_right(times, float(m.ts)) :]:
            if when <= m.time or author == m.user_id:
                continue
            if when - m.time > timedelta(days=1):
                break
            if tokens & mine:
                out[(cid, m.ts)] = when
                break

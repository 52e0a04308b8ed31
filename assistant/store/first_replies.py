"""When a message first got a reply: the one rule the aggregates (``message_facts.wait_minutes``) and the insight
snapshot (``assistant.insights.data``) share."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from datetime import datetime, timedelta

from assistant.domain import Member, Message

#: In a channel without threads, another person's message within this time counts as a reply (flat chat).
FLAT_REPLY_WINDOW = timedelta(minutes=30)


def first_replies(
    by_channel: dict[str, list[Message]],
    members: dict[str, Member],
    threaded: dict[str, bool] | None = None,
) -> dict[tuple[str, str], datetime]:
    """When each top-level message first got a reply from someone else.

    Threaded channels: the first thread reply by another person. Channels without any thread replies (old
    exports, IRC logs): another person's message within ``FLAT_REPLY_WINDOW`` that follows it. In both, a later
    message by someone else that mentions the author by name (``@name``) within a day also counts. ``threaded``
    says which channels have thread replies when ``by_channel`` holds only part of a channel's messages.
    """
    out: dict[tuple[str, str], datetime] = {}
    for cid, msgs in by_channel.items():
        is_threaded = threaded[cid] if threaded and cid in threaded else any(m.is_reply for m in msgs)
        if is_threaded:
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

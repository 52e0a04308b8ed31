"""Burst grouping: flags from one member or one thread within a window share one alert.

The live path keeps groups in the ``moderation_alerts`` table; replay and evaluation use ``group_bursts``,
which applies the same rule in memory (flags in time order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BurstItem:
    channel_id: str
    user_id: str | None
    thread_ts: str | None
    time: float


@dataclass
class _Group:
    channel_id: str
    users: set[str] = field(default_factory=set)
    threads: set[str] = field(default_factory=set)
    first: float = 0.0
    last: float = 0.0
    members: list[int] = field(default_factory=list)


def group_bursts(items: Sequence[BurstItem], window_s: float) -> list[list[int]]:
    """Indices of ``items`` grouped into alerts; each group is one alert."""
    order = sorted(range(len(items)), key=lambda i: items[i].time)
    groups: list[_Group] = []
    for i in order:
        item = items[i]
        match: _Group | None = None
        if window_s > 0:
            for g in reversed(groups):
                if g.channel_id != item.channel_id or g.last < item.time - window_s:
                    continue
                same_member = item.user_id is not None and item.user_id in g.users
                same_thread = item.thread_ts is not None and item.thread_ts in g.threads
                if same_member or same_thread:
                    match = g
                    break
        if match is None:
            match = _Group(channel_id=item.channel_id, first=item.time, last=item.time)
            groups.append(match)
        match.members.append(i)
        match.last = max(match.last, item.time)
        if item.user_id:
            match.users.add(item.user_id)
        if item.thread_ts:
            match.threads.add(item.thread_ts)
    return [g.members for g in groups]

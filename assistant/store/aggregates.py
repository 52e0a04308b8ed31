"""Incremental aggregates the insight answers read instead of the whole archive (issue 13).

Four tables (declared in ``assistant.store.schema``), kept in the archive's own database:

- ``message_facts``: one row per conversation message an answer counts (people, not bots, joins, deleted
  placeholders or empty messages): its UTC day, author, whether it is top-level, its thread's replies, its
  minutes to first reply (``first_replies``: the same rule the snapshot uses), reactions and judged mood;
- ``channel_days``: per channel × UTC day, the sums of those facts (messages, top-level, replied, first-reply
  minutes as a sum and the values, reactions, threads and their depths, mood counts, first and last time);
- ``member_days``: per member × channel × UTC day (messages, mood counts, last message);
- ``member_channels``: each member's first message in each channel.

Every write that can change them (``Archive.upsert_messages``, ``set_reactions``, ``blank_message``,
``upsert_members``, ``delete_older_than``) calls ``refresh`` with the (channel, day) keys it touched, once per
batch, in its own transaction; ``save_judgments`` calls ``judged``, which sets the moods of the judged messages'
facts and recounts their days' mood columns (a judgment changes nothing else here). ``refresh`` recomputes those days from the messages (a message's first reply can
come the next day, or in a thread days later, so a message touches its day, the day before and its thread
parent's day), which keeps the aggregates equal to a recomputation from scratch (``rebuild``, which migration 0007
runs on an existing archive). A channel whose first thread reply arrives (or whose last one goes) changes how all
its first replies are found, so all its days are recomputed then.

Readers (``AggregateReader``) answer over a window ``[start, end)`` with the whole UTC days inside it from the day
tables, and the partial days at its two ends from ``message_facts``: O(days in the window) rows, on indexes.

This module is the facade; the code is split by responsibility: ``aggregate_tables`` (tables, day arithmetic),
``first_replies`` (the first-reply rule), ``aggregate_refresh`` (the write path), ``aggregate_rows`` (one
channel's days read and summed), ``aggregate_reader`` and ``aggregate_contributors`` (the read queries; a new one goes on ``AggregateReader`` or its
``ContributorQueries`` mixin), ``aggregate_themes`` (the stored want themes, ``want_themes`` and ``want_members``:
declared there, kept by ``assistant.insights.themes``). Importers keep importing from here.
"""

from __future__ import annotations

from assistant.store.aggregate_reader import AggregateReader, MemberSpan, WindowStats
from assistant.store.aggregate_refresh import forget_before, judged, rebuild, refresh, touched
from assistant.store.aggregate_tables import (
    CHANNEL_DAYS,
    DAY,
    FACTS,
    MEMBER_CHANNELS,
    MEMBER_DAYS,
    MESSAGES,
    day_of,
)
from assistant.store.aggregate_themes import THEMES, WANT_MEMBERS, ChannelThemes
from assistant.store.first_replies import FLAT_REPLY_WINDOW, first_replies

__all__ = [
    "CHANNEL_DAYS",
    "DAY",
    "FACTS",
    "FLAT_REPLY_WINDOW",
    "MEMBER_CHANNELS",
    "MEMBER_DAYS",
    "MESSAGES",
    "THEMES",
    "WANT_MEMBERS",
    "AggregateReader",
    "ChannelThemes",
    "MemberSpan",
    "WindowStats",
    "day_of",
    "first_replies",
    "forget_before",
    "judged",
    "rebuild",
    "refresh",
    "touched",
]

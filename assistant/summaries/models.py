"""What a channel recap returns: the threads that mattered most in a period, each summarised briefly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from assistant.domain import Summary


class RecapThread(BaseModel):
    """One thread of a recap, with why it was chosen (replies, reactions, people) and its summary."""

    thread_ts: str
    score: float
    replies: int
    reactions: int
    people: int
    summary: Summary


class ChannelRecap(BaseModel):
    """'What happened in #help this week': activity counts and the top threads of the period."""

    channel_id: str
    channel_name: str
    since: datetime
    until: datetime
    messages: int = 0
    threads: int = 0
    active_members: int = 0
    mood: dict[str, Any] = Field(default_factory=dict)
    top_threads: list[RecapThread] = Field(default_factory=list)

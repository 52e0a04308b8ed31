"""What retrieval over past discussions takes and gives: metadata filters (``MessageFilter``) and hits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class MessageFilter:
    """Metadata filters for retrieval over past discussions."""

    channel_ids: Sequence[str] | None = None
    user_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    thread_ts: str | None = None

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.channel_ids is not None:
            ids = list(self.channel_ids)
            clauses.append({"channel_id": ids[0]} if len(ids) == 1 else {"channel_id": {"$in": ids}})
        if self.user_id:
            clauses.append({"user_id": self.user_id})
        if self.since:
            clauses.append({"time": {"$gte": self.since.timestamp()}})
        if self.until:
            clauses.append({"time": {"$lt": self.until.timestamp()}})
        if self.thread_ts:
            clauses.append({"thread_ts": self.thread_ts})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass(frozen=True)
class Hit:
    id: str
    text: str
    similarity: float
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def channel_id(self) -> str:
        return str(self.metadata.get("channel_id", ""))

    @property
    def ts(self) -> str:
        return str(self.metadata.get("ts", ""))

"""What every intent handler shares: the draft it fills (facts and the messages cited), the facts model base, and
the sources it may read (the insights service and, on first use, the index)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import BaseModel, Field

from assistant.domain import Citation, Message
from assistant.insights.data import Snapshot
from assistant.insights.periods import Window
from assistant.insights.questions import ParsedQuestion

if TYPE_CHECKING:
    from assistant.insights.service import InsightsService
    from assistant.store.index import Index


class Facts(BaseModel):
    """One intent's facts: what its answer template reads as ``f`` and the LLM path reads as JSON, both from
    ``dump()``. Fields are declared in the order the answer's ``facts`` show them."""

    #: Fields left out of ``dump()`` while None (a key that exists only sometimes).
    omit_if_none: ClassVar[tuple[str, ...]] = ()

    def dump(self) -> dict[str, Any]:
        out = self.model_dump(mode="json")
        for name in self.omit_if_none:
            if out.get(name) is None:
                out.pop(name, None)
        return out


class WindowFact(BaseModel):
    label: str
    kind: str
    comparison: str
    start: str
    end: str

    @classmethod
    def of(cls, window: Window | None) -> WindowFact | None:
        if window is None:
            return None
        return cls(
            label=window.label,
            kind=window.kind,
            comparison=window.comparison,
            start=window.start.isoformat(),
            end=window.end.isoformat(),
        )


class QuestionFacts(Facts):
    """What every answer's facts add after the intent's own: the question as parsed."""

    omit_if_none = ("author",)

    intent: str
    question: str
    now: str = Field(description="ISO instant the answer was computed for")
    channels: list[str] = Field(description="names of the channels asked about (or all visible with messages)")
    window: WindowFact | None
    author: str | None = Field(default=None, description="the member asked about, when one was named")


@dataclass
class Draft:
    """Facts and the messages behind them, gathered before any wording."""

    intent: str
    facts: Facts
    citations: list[Citation] = field(default_factory=list)
    keys: dict[tuple[str, str], int] = field(default_factory=dict)

    def cite(self, snap: Snapshot, m: Message) -> int:
        key = (m.channel_id, m.ts)
        if key not in self.keys:
            self.citations.append(snap.cite(m))
            self.keys[key] = len(self.citations)
        return self.keys[key]

    def cite_existing(self, c: Citation, channel_id: str) -> int:
        key = (channel_id, c.ts)
        if key not in self.keys:
            self.citations.append(c)
            self.keys[key] = len(self.citations)
        return self.keys[key]

    def cite_named(self, snap: Snapshot, c: Citation) -> int:
        """Cite an insight's citation, whose ``channel`` is a channel name."""
        return self.cite_existing(c, channel_id_of(snap, c.channel))


class Sources(Protocol):
    """What a handler reads: the insights service, and the index (loaded only by the intents that search)."""

    insights: InsightsService

    @property
    def index(self) -> Index: ...


#: An intent handler: the parsed question, the asker's snapshot and "now" -> the draft answer.
Handler = Callable[[Sources, ParsedQuestion, Snapshot, datetime], Draft]


def targets(parsed: ParsedQuestion, snap: Snapshot) -> list[str]:
    """The channels asked about, or every visible channel with messages (by name)."""
    if parsed.channel_ids:
        return parsed.channel_ids
    return sorted((c for c in snap.channels if snap.has_messages(c)), key=snap.channel_name)


def channel_id_of(snap: Snapshot, name_or_id: str) -> str:
    found = snap.resolve_channel(name_or_id)
    return found.id if found else name_or_id

"""The unit every summary works on: the turns of one conversation with their encoder vectors.

A Slack thread and a DialogSum dialogue both become a ``Conversation`` so the local summariser, the LLM path
and the eval share one code path. Vectors come from the index when the messages are indexed (never
re-encoded); only what is missing is encoded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.domain import Message
from assistant.encoder import Encoder
from assistant.summaries.text import clean_text

_RAW_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")

#: A message longer than this is cut for summarising (a pasted log is not a conversation turn).
MAX_TURN_CHARS = 4000


@dataclass(frozen=True)
class Turn:
    """One message as the summariser sees it: cleaned text, author, who it mentions, how it was received."""

    ts: str
    user: str
    text: str
    mentions: tuple[str, ...] = ()
    reactions: int = 0


@dataclass
class Conversation:
    """Turns in time order, one unit-length vector per turn, and the names people are known by."""

    turns: list[Turn]
    vectors: np.ndarray
    names: Mapping[str, str] = field(default_factory=dict)
    group_label: str = "everyone"

    def __post_init__(self) -> None:
        if len(self.turns) != len(self.vectors):
            raise ValueError("one vector per turn is required")

    def __len__(self) -> int:
        return len(self.turns)

    def name(self, user: str | None) -> str:
        if not user:
            return "someone"
        return self.names.get(user, user)

    def addressee(self, i: int) -> str:
        """Whom turn ``i`` speaks to: a mentioned member, else the last other speaker, else the group."""
        turn = self.turns[i]
        for uid in turn.mentions:
            if uid != turn.user:
                return self.name(uid)
        for j in range(i - 1, -1, -1):
            if self.turns[j].user != turn.user:
                return self.name(self.turns[j].user)
        for j in range(i + 1, len(self.turns)):
            if self.turns[j].user != turn.user:
                return self.name(self.turns[j].user) if self._two_party() else self.group_label
        return self.group_label

    def _two_party(self) -> bool:
        return len({t.user for t in self.turns}) == 2

    def participants(self) -> list[str]:
        seen: dict[str, None] = {}
        for t in self.turns:
            seen.setdefault(t.user, None)
        return list(seen)


def turns_from_messages(messages: Sequence[Message]) -> list[Turn]:
    """Human messages with text, cleaned; bots, joins and deleted placeholders are left out."""
    turns: list[Turn] = []
    for m in messages:
        if not m.is_human or not m.text.strip():
            continue
        text = clean_text(m.text[:MAX_TURN_CHARS])
        if not text:
            continue
        turns.append(
            Turn(
                ts=m.ts,
                user=m.user_id or "",
                text=text,
                mentions=tuple(dict.fromkeys(_RAW_MENTION.findall(m.raw_text or ""))),
                reactions=m.reaction_count,
            )
        )
    return turns


def conversation_vectors(
    keys: Sequence[str],
    texts: Sequence[str],
    stored: Mapping[str, np.ndarray],
    encoder: Encoder,
) -> tuple[np.ndarray, int]:
    """Stored vectors where the index has them; the rest encoded in one batch. Returns (vectors, encoded)."""
    dim = encoder.dim
    out = np.zeros((len(keys), dim), dtype=np.float32)
    missing: list[int] = []
    for i, key in enumerate(keys):
        vec = stored.get(key)
        if vec is not None and vec.shape == (dim,):
            out[i] = vec
        else:
            missing.append(i)
    if missing:
        out[missing] = encoder.encode([texts[i] for i in missing]).vectors
    return out, len(missing)

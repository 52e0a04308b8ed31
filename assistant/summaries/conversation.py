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

_RAW_MENTION = re.compile(r"<@([^>|\s]+)(?:\|[^>]*)?>")
_TYPED_MENTION = re.compile(r"(?<![\w@])@([\w.\-]+)")
_CODE = re.compile(r"```(.*?)```|`([^`\n]+)`", re.S)

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
    code: tuple[str, ...] = ()  # inline code and code blocks as written (the text shortens blocks to "(code)")


@dataclass
class Conversation:
    """Turns in time order, one unit-length vector per turn, and the names people are known by."""

    turns: list[Turn]
    vectors: np.ndarray
    names: Mapping[str, str] = field(default_factory=dict)
    group_label: str = "everyone"
    #: The turns are one thread: every reply answers the opening message (Slack threads, disentangled chats).
    threaded: bool = True
    #: How many turns had to be encoded because the index held no vector for them (0 when all were indexed).
    encoded: int = 0

    def __post_init__(self) -> None:
        if len(self.turns) != len(self.vectors):
            raise ValueError("one vector per turn is required")

    def __len__(self) -> int:
        return len(self.turns)

    def name(self, user: str | None) -> str:
        if not user:
            return "someone"
        return self.names.get(user, user)

    def certain_addressee(self, i: int) -> str | None:
        """Whom "you" in turn ``i`` certainly means: the one other member it mentions, or the other person of
        a two-person conversation. None when that is not certain (a reply in a group thread mentioning no one)."""
        turn = self.turns[i]
        others = [u for u in dict.fromkeys(turn.mentions) if u != turn.user]
        if len(others) == 1:
            return self.name(others[0])
        if others:
            return None
        people = {t.user for t in self.turns}
        if len(people) == 2:
            return self.name(next(u for u in people if u != turn.user))
        return None

    def participants(self) -> list[str]:
        seen: dict[str, None] = {}
        for t in self.turns:
            seen.setdefault(t.user, None)
        return list(seen)


def _mentions(m: Message, people: Mapping[str, str]) -> tuple[str, ...]:
    """Members a message mentions: Slack's ``<@U123>``, and ``<@name>`` or a typed "@name" when ``people``
    (lower-case name -> member id) knows the name."""
    found: list[str] = []
    for ref in _RAW_MENTION.findall(m.raw_text or ""):
        found.append(people.get(ref.lower(), ref))
    for ref in _TYPED_MENTION.findall(m.text or ""):
        uid = people.get(ref.lower())
        if uid:
            found.append(uid)
    return tuple(dict.fromkeys(found))


def turns_from_messages(messages: Sequence[Message], people: Mapping[str, str] | None = None) -> list[Turn]:
    """Human messages with text, cleaned; bots, joins and deleted placeholders are left out. ``people`` maps
    lower-case member names to ids, for mentions written as names."""
    people = people or {}
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
                mentions=_mentions(m, people),
                reactions=m.reaction_count,
                code=code_spans(m.text[:MAX_TURN_CHARS]),
            )
        )
    return turns


def code_spans(text: str) -> tuple[str, ...]:
    """Code blocks and inline code of a message, whitespace-normalised."""
    spans = (" ".join((m.group(1) or m.group(2) or "").split()) for m in _CODE.finditer(text))
    return tuple(s for s in spans if s)


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

"""Members' profile vectors for twinning, kept in the archive and keyed on exactly what they are computed from.

A member's profile is the mean of their latest long messages' stored vectors (``mean_profiles``). Computing the
top 200 members' profiles reads up to 30,000 vectors from the index: 1.2-1.3 s at 100k messages on the 2-core
machine, more than the whole answer may take. Yet between two answers only the members who wrote (or whose
messages were edited or deleted) have a different profile.

So each profile is stored under a signature of its inputs: the member, the encoder's fingerprint, and every one of
those latest messages' key and text (a message's vector is a function of its text under one encoder). A stored
profile is used only when the signature matches, so an edit, a deletion or a new message of that member, or another
encoder, computes it again from the index; the others are read back from one state row. A profile is stored only
when every one of its messages had a vector (one still being indexed leaves it to be computed next time).

The state row is a cache: dropping it (retention does, so nothing derived from deleted messages stays) only costs
the next answer the vector reads.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

logger = logging.getLogger(__name__)

#: The state row holding the stored profiles.
STATE_KEY = "member_profiles"
#: Stored profiles kept at most (the least recently used go first): several visibility scopes of the top members.
MAX_STORED = 2000


class Said(Protocol):
    """A message as twinning compares it: its index key and text."""

    @property
    def key(self) -> str: ...

    @property
    def text(self) -> str: ...


class StateStore(Protocol):
    """The archive's small key-value state (``StateRepository``)."""

    def get_state(self, key: str) -> dict[str, Any] | None: ...

    def set_state(self, key: str, value: dict[str, Any]) -> None: ...


VectorLookup = Callable[[Sequence[str]], dict[str, np.ndarray]]


def mean_profiles(
    users: Sequence[str], latest: Mapping[str, Sequence[Said]], vectors: VectorLookup, min_messages: int
) -> dict[str, np.ndarray]:
    """Each member's unit mean vector over their messages that have a stored vector (at least ``min_messages``)."""
    return _means(users, latest, vectors(keys_of(users, latest)), min_messages)


def keys_of(users: Sequence[str], latest: Mapping[str, Sequence[Said]]) -> list[str]:
    return [m.key for u in users for m in latest[u]]


def _means(
    users: Sequence[str], latest: Mapping[str, Sequence[Said]], stored: Mapping[str, np.ndarray], min_messages: int
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for u in users:
        vs = [stored[m.key] for m in latest[u] if m.key in stored]
        if len(vs) < min_messages:
            continue
        mean = np.mean(vs, axis=0)
        norm = float(np.linalg.norm(mean))
        if norm > 0:
            out[u] = mean / norm
    return out


def signature(user: str, messages: Sequence[Said], encoder: str) -> str:
    """What a profile is computed from: the member, the encoder, and each message's key and text."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{encoder}\x1f{user}\x1e".encode())
    for m in messages:
        h.update(f"{m.key}\x1f{m.text}\x1e".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _pack(vector: np.ndarray | None) -> str | None:
    return None if vector is None else base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode()


def _unpack(text: str | None) -> np.ndarray | None:
    return None if text is None else np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float32)


class MemberProfiles:
    """``mean_profiles`` with the profiles kept in the archive's state (see the module)."""

    def __init__(self, state: StateStore, vectors: VectorLookup, encoder: str) -> None:
        self.state = state
        self.vectors = vectors
        self.encoder = encoder

    def __call__(
        self, users: Sequence[str], latest: Mapping[str, Sequence[Said]], min_messages: int
    ) -> dict[str, np.ndarray]:
        entries: dict[str, str | None] = dict((self.state.get_state(STATE_KEY) or {}).get("profiles", {}))
        signatures = {u: signature(u, latest[u], self.encoder) for u in users}
        out: dict[str, np.ndarray] = {}
        stale = [u for u in users if signatures[u] not in entries]
        for u in users:
            if u not in stale:
                packed = entries[signatures[u]] = entries.pop(signatures[u])  # to the end: most recently used
                found = _unpack(packed)
                if found is not None:
                    out[u] = found
        if stale:
            stored = self.vectors(keys_of(stale, latest))
            fresh = _means(stale, latest, stored, min_messages)
            out.update(fresh)
            for u in stale:
                if all(m.key in stored for m in latest[u]):  # complete: the same inputs give this profile again
                    entries[signatures[u]] = _pack(fresh.get(u))
            kept = dict(list(entries.items())[-MAX_STORED:])
            self.state.set_state(STATE_KEY, {"profiles": kept})
            logger.debug("member profiles: %d computed, %d read back", len(stale), len(users) - len(stale))
        return out

"""The vectors moderation compares: the index (loaded on first use) and, in memory, the vectors of flagged
messages, the pool that similar past flags and replay's clause retrieval draw from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from assistant.knowledge import Knowledge
from assistant.lazy import provided
from assistant.moderation.evidence import ClauseFinder

if TYPE_CHECKING:
    from assistant.store.index import Index


class FlagVectors:
    """Message vectors by key (``channel:ts``): those seen while flagging, the rest read from the index."""

    def __init__(self, index: Index | Callable[[], Index], knowledge: Knowledge) -> None:
        # The index, or how to get it: policy, audit and flag reads never load a model.
        self._index_source = index
        self.knowledge = knowledge
        self._vectors: dict[str, np.ndarray] = {}

    @cached_property
    def index(self) -> Index:
        return provided(self._index_source)

    @cached_property
    def clauses(self) -> ClauseFinder:
        return ClauseFinder(self.index, self.knowledge)

    def remember(self, key: str, vector: np.ndarray) -> None:
        self._vectors[key] = vector

    def forget(self, key: str) -> None:
        self._vectors.pop(key, None)

    def get(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The vectors of ``keys`` that exist; those not in memory are read from the index (and kept)."""
        missing = [k for k in keys if k not in self._vectors]
        if missing:
            self._vectors.update(self.index.message_vectors(missing))
        return {k: self._vectors[k] for k in keys if k in self._vectors}

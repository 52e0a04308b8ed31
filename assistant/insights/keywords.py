"""Keyword retrieval (BM25 via ``rank_bm25``) over the snapshot's messages, fused with embedding retrieval.

MiniLM misses exact words (names, error strings, "instructions"); BM25 misses paraphrases. Answers use both,
combined by reciprocal rank fusion; ``evals/retrieval.py`` measures each one and the fusion.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from rank_bm25 import BM25Okapi

from assistant.domain import Message
from assistant.stopwords import STOP_WORDS

_WORD = re.compile(r"[\w][\w'\-]*", re.UNICODE)
_STOP = frozenset(STOP_WORDS)
RRF_K = 60


def tokenize(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in _STOP]


class KeywordIndex:
    def __init__(self, messages: Sequence[Message]) -> None:
        self.messages = list(messages)
        corpus = [tokenize(m.text) or ["∅"] for m in self.messages]
        self._bm25 = BM25Okapi(corpus) if corpus else None

    def search(
        self, query: str, k: int, allowed: Callable[[Message], bool] | None = None
    ) -> list[tuple[Message, float]]:
        tokens = tokenize(query)
        if self._bm25 is None or not tokens:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens))
        out: list[tuple[Message, float]] = []
        for i in np.argsort(-scores, kind="stable"):
            if scores[i] <= 0 or len(out) >= k:
                break
            m = self.messages[int(i)]
            if allowed is None or allowed(m):
                out.append((m, float(scores[i])))
        return out


def fuse(rankings: Sequence[Sequence[str]], k: int) -> list[str]:
    """Reciprocal rank fusion of several ranked key lists."""
    score: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking):
            score[key] = score.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)
    return [key for key, _ in sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))][:k]

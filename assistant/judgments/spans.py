"""Which words drove a toxicity score: leave-one-word-out through the same head, for the few high scorers.

Each word is removed in turn and the message re-scored (one small extra encoder batch per flagged message);
the span is the most influential word grown over neighbours that matter at least half as much. Without an
encoder, the word-side linear weights give an exact, cheaper attribution.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from assistant.domain.judgments import Span

_WORD = re.compile(r"\S+")
MAX_WORDS = 64

#: scores texts -> probabilities; the engine passes its toxicity head over encoder + word features
Scorer = Callable[[list[str]], np.ndarray]


def words_with_offsets(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text)][:MAX_WORDS]


def leave_one_out(text: str, score: float, scorer: Scorer, min_weight: float = 0.0) -> Span | None:
    """The span whose removal lowers the score most (``weight`` = the drop in probability)."""
    words = words_with_offsets(text)
    if not words:
        return None
    if len(words) == 1 and min_weight <= 0.0:
        start, end = words[0]
        return Span(start=start, end=end, text=text[start:end], weight=round(score, 4))
    variants = [(text[:s] + text[e:]).strip() for s, e in words]
    drops = score - np.asarray(scorer(variants), dtype=np.float64)
    return grow_span(text, words, drops, min_weight)


def grow_span(
    text: str, words: list[tuple[int, int]], weights: np.ndarray, min_weight: float = 0.0
) -> Span | None:
    if len(words) == 0 or float(weights.max()) <= min_weight:
        return None
    best = int(weights.argmax())
    top = float(weights[best])
    lo = hi = best
    while lo - 1 >= 0 and weights[lo - 1] >= 0.5 * top:
        lo -= 1
    while hi + 1 < len(words) and weights[hi + 1] >= 0.5 * top:
        hi += 1
    start, end = words[lo][0], words[hi][1]
    return Span(start=start, end=end, text=text[start:end], weight=round(top, 4))

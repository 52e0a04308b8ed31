"""Which messages carry a conversation: speaker-aware centrality with redundancy removal.

Centrality is LexRank-style (power iteration over cosine similarities) but counts only agreement from *other*
speakers, so one verbose member cannot make their own messages central. Content-free turns ("thanks!") are
damped, the opening turn gets a small prior (it states the topic), and selection is maximal marginal relevance
so near-duplicates are not picked twice. Long conversations are cut into consecutive segments and every
segment contributes, so the end of a 500-message thread is summarised as well as its start.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from assistant.summaries.conversation import Conversation
from assistant.summaries.text import content_words, is_small_talk


@dataclass(frozen=True)
class SelectionSettings:
    damping: float = 0.85
    opening_prior: float = 0.5
    redundancy: float = 0.35
    segment_size: int = 60


def informativeness(text: str) -> float:
    """0 for social glue, rising slowly with the number of distinct content words."""
    if is_small_talk(text):
        return 0.0
    return min(1.0, math.log1p(len(content_words(text))) / math.log1p(12))


def centrality(conv: Conversation, settings: SelectionSettings | None = None) -> np.ndarray:
    """One score per turn (max 1): speaker-aware LexRank, damped for content-free turns, opening prior."""
    cfg = settings or SelectionSettings()
    n = len(conv)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    info = np.array([informativeness(t.text) for t in conv.turns], dtype=np.float64)
    if n == 1:
        return np.ones(1, dtype=np.float32) * float(info[0] > 0)
    sim = np.clip(conv.vectors.astype(np.float64) @ conv.vectors.T.astype(np.float64), 0.0, None)
    users = np.array([t.user for t in conv.turns])
    other = users[:, None] != users[None, :]
    weights = sim * np.where(other, 1.0, 0.3)
    np.fill_diagonal(weights, 0.0)
    weights *= info[None, :] + 0.05  # endorsement from a content-free turn counts little
    row = weights.sum(axis=1, keepdims=True)
    trans = np.divide(weights, row, out=np.full_like(weights, 1.0 / n), where=row > 0)
    score = np.full(n, 1.0 / n)
    for _ in range(50):
        new = (1 - cfg.damping) / n + cfg.damping * trans.T @ score
        if np.abs(new - score).sum() < 1e-8:
            score = new
            break
        score = new
    score = score / score.max() if score.max() > 0 else score
    score = score * info
    score[0] += cfg.opening_prior * info[0]
    top = score.max()
    return (score / top if top > 0 else score).astype(np.float32)


def segments(n: int, size: int) -> list[range]:
    """Consecutive, nearly equal segments of at most ``size`` turns covering all ``n`` turns."""
    if n <= 0:
        return []
    count = max(1, math.ceil(n / size))
    bounds = np.linspace(0, n, count + 1).round().astype(int)
    return [range(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]


def select(
    conv: Conversation,
    k: int,
    *,
    scores: np.ndarray | None = None,
    exclude: set[int] | None = None,
    settings: SelectionSettings | None = None,
) -> list[int]:
    """Up to ``k`` turn indices (time order) by maximal marginal relevance, with every segment represented."""
    cfg = settings or SelectionSettings()
    n = len(conv)
    if n == 0 or k <= 0:
        return []
    base = centrality(conv, cfg) if scores is None else scores
    banned = exclude or set()
    candidates = [i for i in range(n) if i not in banned and base[i] > 0]
    if not candidates:
        return []
    chosen: list[int] = []

    def mmr_pick(pool: list[int]) -> int | None:
        best, best_value = None, -math.inf
        for i in pool:
            if i in chosen:
                continue
            penalty = max((float(conv.vectors[i] @ conv.vectors[j]) for j in chosen), default=0.0)
            value = (1 - cfg.redundancy) * float(base[i]) - cfg.redundancy * penalty
            if value > best_value:
                best, best_value = i, value
        return best

    parts = segments(n, cfg.segment_size)
    if len(parts) > 1:
        for part in parts:  # coverage first: the best of every segment, end of the thread included
            if len(chosen) >= k:
                break
            pick = mmr_pick([i for i in candidates if i in part])
            if pick is not None:
                chosen.append(pick)
    while len(chosen) < min(k, len(candidates)):
        pick = mmr_pick(candidates)
        if pick is None:
            break
        chosen.append(pick)
    return sorted(chosen)

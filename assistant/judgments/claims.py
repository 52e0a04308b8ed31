"""Claim matching: the message vector against the claims store's cached matrix, with the correction as evidence.

The pipeline's vector is reused: one product with the claim matrix gives every message's nearest claim (the gate),
and the few messages near one are ranked against all claims (cosine, plus BM25 with enough claims: see
``assistant.claims.matrix``). Only a claim checked false or misleading raises a flag; a true or unproven one is
context (``ClaimMatcher.context``), never an alert. A message that negates the claim, or sides with its correction,
does not fire (``assistant.claims.guard``).

The claims come from the archive's claims store (``Context`` attaches it); an engine built without one reads the
knowledge folder's claims and facts from the index's ``facts`` collection, as before the store existed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.claims.guard import negated, sides_with_fact, spared
from assistant.claims.matrix import ClaimMatrix
from assistant.domain.judgments import Evidence
from assistant.store import Index

logger = logging.getLogger(__name__)

__all__ = [
    "GATE_MARGIN",
    "ClaimMatch",
    "ClaimMatcher",
    "negated",
    "sides_with_fact",
    "similarity_to_score",
]

GATE_MARGIN = 0.08
#: How often the index fallback re-reads the facts collection (knowledge reloads are rare).
REFRESH_SECONDS = 30.0


@dataclass(frozen=True)
class ClaimMatch:
    claim: Evidence
    fact: Evidence | None
    similarity: float
    verdict: str = "false"
    source_url: str = ""

    @property
    def alerting(self) -> bool:
        return self.verdict in ("false", "misleading")


def similarity_to_score(similarity: float, threshold: float) -> float:
    """Maps cosine similarity onto [0, 1] so that the match threshold lands at 0.7 and 1.0 stays 1.0."""
    if similarity >= threshold:
        return float(min(1.0, 0.7 + 0.3 * (similarity - threshold) / max(1e-6, 1.0 - threshold)))
    return float(max(0.0, 0.7 * (similarity - 0.2) / max(1e-6, threshold - 0.2)))


def correction_text(correction: str, source_url: str) -> str:
    """What an alert shows as the refuting fact: the correction, and where it comes from."""
    if source_url and source_url not in correction:
        return f"{correction} (source: {source_url})" if correction else f"Source: {source_url}"
    return correction


class ClaimMatcher:
    """Finds the claim a message repeats, with the correction that refutes it."""

    def __init__(self, index: Index | None, min_similarity: float) -> None:
        self.index = index
        self.min_similarity = min_similarity
        self._source: Callable[[], ClaimMatrix] | None = None
        self._fallback: ClaimMatrix | None = None
        self._fallback_count = -1
        self._checked = 0.0

    def attach(self, source: Callable[[], ClaimMatrix]) -> None:
        """Read claims from ``source`` (the claims store's cached matrix) from now on."""
        self._source = source

    def matrix(self) -> ClaimMatrix:
        if self._source is not None:
            return self._source()
        return self._from_index()

    def nearest_similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine similarity of each vector to its nearest claim (0 when there are none): one product."""
        return self.matrix().nearest_similarity(np.asarray(vectors, dtype=np.float32))

    def _best(self, text: str, vector: np.ndarray) -> tuple[ClaimMatrix, int, float] | None:
        m = self.matrix()
        if len(m) == 0:
            return None
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        [row] = m.rank(text, v, k=1)
        return m, row, m.similarity(row, v)

    def match(self, text: str, vector: np.ndarray, gate_similarity: float) -> tuple[float, ClaimMatch | None]:
        """(similarity to the best-ranked claim, the match if the message repeats a false or misleading claim)."""
        if gate_similarity < self.min_similarity - GATE_MARGIN:
            return gate_similarity, None
        found = self._match(text, vector)
        if found is None:
            return 0.0, None
        similarity, match = found
        if match is not None and not match.alerting:
            logger.debug("claim %s matched but checked %s: no flag", match.claim.id, match.verdict)
            return min(similarity, self.min_similarity - 1e-3), None
        return similarity, match

    def context(self, text: str, vector: np.ndarray) -> ClaimMatch | None:
        """The checked claim a message repeats, whatever its verdict (true and unproven included): context for an
        answer, never an alert by itself."""
        found = self._match(text, vector)
        return found[1] if found is not None else None

    def _match(self, text: str, vector: np.ndarray) -> tuple[float, ClaimMatch | None] | None:
        best = self._best(text, vector)
        if best is None:
            return None
        m, row, similarity = best
        if similarity < self.min_similarity:
            return similarity, None
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        correction = m.corrections[row]
        correction_similarity = float(m.corrections_m[row] @ v) if correction else None
        why = spared(text, m.texts[row], correction, similarity, correction_similarity)
        if why is not None:
            logger.debug("claim %s not matched: %s", m.ids[row], why)
            return similarity, None
        fact = None
        if correction or m.source_urls[row]:
            fact = Evidence(
                source="fact_sheet",
                id=m.refuted_by[row] or f"{m.ids[row]}:correction",
                text=correction_text(correction, m.source_urls[row]),
                similarity=None if correction_similarity is None else round(correction_similarity, 4),
            )
        claim = Evidence(
            source="known_false_claim", id=m.ids[row], text=m.texts[row], similarity=round(similarity, 4)
        )
        return similarity, ClaimMatch(
            claim=claim, fact=fact, similarity=similarity, verdict=m.verdicts[row], source_url=m.source_urls[row]
        )

    # Without a claims store: the knowledge folder's claims as the index holds them --------------------------------
    def _from_index(self) -> ClaimMatrix:
        now = time.monotonic()
        if self._fallback is not None and now - self._checked < REFRESH_SECONDS:
            return self._fallback
        self._checked = now
        if self.index is None:
            self._fallback = ClaimMatrix.empty(384)
            return self._fallback
        col = self.index.collection("facts")
        count = int(col.count())
        if self._fallback is not None and count == self._fallback_count:
            return self._fallback
        got = col.get(include=["embeddings", "documents", "metadatas"])
        dim = self.index.encoder.dim
        emb = got.get("embeddings")
        vectors = (
            np.asarray(emb, dtype=np.float32).reshape(-1, dim)
            if emb is not None and len(emb)
            else np.zeros((0, dim), dtype=np.float32)
        )
        docs = [str(d) for d in (got.get("documents") or [])]
        metas: list[dict[str, Any]] = [dict(m or {}) for m in (got.get("metadatas") or [])]
        ids = list(got["ids"])
        facts = {ids[i]: i for i, m in enumerate(metas) if m.get("kind") == "fact"}
        rows = [i for i, m in enumerate(metas) if m.get("kind") == "false_claim"]
        refuted = [str(metas[i].get("refuted_by") or "") for i in rows]
        fact_rows = [facts.get(r) for r in refuted]
        zero = np.zeros(dim, dtype=np.float32)
        self._fallback = ClaimMatrix.build(
            ids=[ids[i] for i in rows],
            texts=[docs[i] for i in rows],
            titles=["" for _ in rows],
            verdicts=["false" for _ in rows],
            corrections=[docs[f] if f is not None else "" for f in fact_rows],
            source_urls=["" for _ in rows],
            refuted_by=[r if f is not None else "" for r, f in zip(refuted, fact_rows, strict=True)],
            claims=vectors[rows] if rows else np.zeros((0, dim), dtype=np.float32),
            title_vectors=np.zeros((len(rows), dim), dtype=np.float32),
            correction_vectors=(
                np.stack([vectors[f] if f is not None else zero for f in fact_rows])
                if rows
                else np.zeros((0, dim), dtype=np.float32)
            ),
        )
        self._fallback_count = count
        return self._fallback

"""Known-false-claim matching: the message vector against the community's list, with the refuting fact.

The pipeline's vector is reused: a numpy gate over the claim vectors (read once from the index) skips the
Chroma round trip for the many messages nowhere near a known claim; candidates are confirmed through
``Index.search_facts`` and the refuting fact is fetched with ``Index.get_fact``. Messages that deny a claim
("vaccines do not cause autism") sit close to it in embedding space, so a message nearer to the refuting
fact than to the claim, or one that negates a claim that is not itself negated, does not fire.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import numpy as np

from assistant.domain.judgments import Evidence
from assistant.store import Index

logger = logging.getLogger(__name__)

_NEGATION = re.compile(
    r"\b(not|no|never|isn'?t|aren'?t|doesn'?t|don'?t|didn'?t|won'?t|can'?t|cannot|myth|false|debunked|hoax)\b"
    r"|n't\b",
    re.IGNORECASE,
)
GATE_MARGIN = 0.08
#: How often the gate re-reads the claim list from the index (knowledge reloads are rare).
REFRESH_SECONDS = 30.0


@dataclass(frozen=True)
class ClaimMatch:
    claim: Evidence
    fact: Evidence | None
    similarity: float


_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    re.findall(
        r"\w+",
        "a an the is are was were be been of to in on at for and or but with by from as it its this that these "
        "those you your we our they their he she his her i my me not no do does did will would can could should "
        "has have had now just so very any all each",
    )
)


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def sides_with_fact(message: str, claim: str, fact: str) -> bool:
    """True when the message shares more of the fact's distinguishing words than the claim's.

    Embeddings put "the meetup is on Thursday" next to "the meetup is every Friday now"; the words only one
    side uses ("thursday" vs "friday") tell which one the message agrees with.
    """
    words = _content_words(message)
    claim_words, fact_words = _content_words(claim), _content_words(fact)
    return len(words & (fact_words - claim_words)) > len(words & (claim_words - fact_words))


def _negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


def similarity_to_score(similarity: float, threshold: float) -> float:
    """Maps cosine similarity onto [0, 1] so that the match threshold lands at 0.7 and 1.0 stays 1.0."""
    if similarity >= threshold:
        return float(min(1.0, 0.7 + 0.3 * (similarity - threshold) / max(1e-6, 1.0 - threshold)))
    return float(max(0.0, 0.7 * (similarity - 0.2) / max(1e-6, threshold - 0.2)))


class ClaimMatcher:
    """Finds the known false claim a message repeats, with the fact sheet entry that refutes it."""

    def __init__(self, index: Index, min_similarity: float) -> None:
        self.index = index
        self.min_similarity = min_similarity
        self._claims: np.ndarray | None = None
        self._count = -1
        self._checked = 0.0

    def _claim_vectors(self) -> np.ndarray:
        now = time.monotonic()
        if self._claims is not None and now - self._checked < REFRESH_SECONDS:
            return self._claims
        self._checked = now
        col = self.index.collection("facts")
        count = int(col.count())
        if self._claims is None or count != self._count:
            got = col.get(where={"kind": "false_claim"}, include=["embeddings"])
            emb = got.get("embeddings")
            dim = self.index.encoder.dim
            self._claims = (
                np.asarray(emb, dtype=np.float32).reshape(-1, dim)
                if emb is not None
                else np.zeros((0, dim), dtype=np.float32)
            )
            self._count = count
        return self._claims

    def nearest_similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine similarity of each vector to its nearest known false claim (0 when there are none)."""
        claims = self._claim_vectors()
        if claims.shape[0] == 0 or vectors.shape[0] == 0:
            return np.zeros(vectors.shape[0], dtype=np.float32)
        return np.asarray((vectors @ claims.T).max(axis=1), dtype=np.float32)

    def match(self, text: str, vector: np.ndarray, gate_similarity: float) -> tuple[float, ClaimMatch | None]:
        """(similarity to the nearest claim, the match if it counts as repeating that claim)."""
        if gate_similarity < self.min_similarity - GATE_MARGIN:
            return gate_similarity, None
        hits = self.index.search_facts(vector, k=1, kind="false_claim")
        if not hits:
            return 0.0, None
        hit = hits[0]
        similarity = float(hit.similarity)
        if similarity < self.min_similarity:
            return similarity, None
        if _negated(text) and not _negated(hit.text):
            logger.debug("claim %s not matched: the message negates it", hit.id)
            return similarity, None
        fact: Evidence | None = None
        refuted_by = str(hit.metadata.get("refuted_by", ""))
        if refuted_by:
            fact_hit = self.index.get_fact(refuted_by)
            if fact_hit is not None:
                fact_sim = next(
                    (
                        h.similarity
                        for h in self.index.search_facts(vector, k=5, kind="fact")
                        if h.id == refuted_by
                    ),
                    None,
                )
                if fact_sim is not None and fact_sim >= similarity:
                    logger.debug("claim %s not matched: the message is closer to its refuting fact", hit.id)
                    return similarity, None
                if sides_with_fact(text, hit.text, fact_hit.text):
                    logger.debug("claim %s not matched: the message uses the fact's distinguishing words", hit.id)
                    return similarity, None
                fact = Evidence(
                    source="fact_sheet",
                    id=fact_hit.id,
                    text=fact_hit.text,
                    similarity=None if fact_sim is None else round(float(fact_sim), 4),
                )
        claim = Evidence(source="known_false_claim", id=hit.id, text=hit.text, similarity=round(similarity, 4))
        return similarity, ClaimMatch(claim=claim, fact=fact, similarity=similarity)

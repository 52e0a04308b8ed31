"""Known-false-claim matching: the message vector against the community's list, with the refuting fact.

The pipeline's vector is reused against the claim list and fact sheet, read from the index's ``facts``
collection (and re-read when it changes) and ranked in numpy. Messages that deny a claim
("vaccines do not cause autism") sit close to it in embedding space, so a message nearer to the refuting
fact than to the claim, or one that negates a claim that is not itself negated, does not fire.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class _Entries:
    """The facts collection as read from Chroma: ids, texts, metadata and vectors, split by kind."""

    claim_ids: list[str]
    claim_texts: list[str]
    claim_refuted_by: list[str]
    claims: np.ndarray  # [n_claims, dim]
    fact_ids: list[str]
    fact_texts: list[str]
    facts: np.ndarray  # [n_facts, dim]


class ClaimMatcher:
    """Finds the known false claim a message repeats, with the fact sheet entry that refutes it.

    The fact sheet and claim list live in Chroma's ``facts`` collection; they are small, so the matcher reads
    them (vectors included) once, re-reads them when the collection changes, and ranks them against the
    message vector in numpy: a live message pays microseconds, not several index round trips.
    """

    def __init__(self, index: Index, min_similarity: float) -> None:
        self.index = index
        self.min_similarity = min_similarity
        self._entries: _Entries | None = None
        self._count = -1
        self._checked = 0.0

    def _read(self) -> _Entries:
        now = time.monotonic()
        if self._entries is not None and now - self._checked < REFRESH_SECONDS:
            return self._entries
        self._checked = now
        col = self.index.collection("facts")
        count = int(col.count())
        if self._entries is None or count != self._count:
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
            claim_rows = [i for i, m in enumerate(metas) if m.get("kind") == "false_claim"]
            fact_rows = [i for i, m in enumerate(metas) if m.get("kind") == "fact"]
            self._entries = _Entries(
                claim_ids=[ids[i] for i in claim_rows],
                claim_texts=[docs[i] for i in claim_rows],
                claim_refuted_by=[str(metas[i].get("refuted_by") or "") for i in claim_rows],
                claims=vectors[claim_rows] if claim_rows else np.zeros((0, dim), dtype=np.float32),
                fact_ids=[ids[i] for i in fact_rows],
                fact_texts=[docs[i] for i in fact_rows],
                facts=vectors[fact_rows] if fact_rows else np.zeros((0, dim), dtype=np.float32),
            )
            self._count = count
        return self._entries

    def nearest_similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine similarity of each vector to its nearest known false claim (0 when there are none)."""
        claims = self._read().claims
        if claims.shape[0] == 0 or vectors.shape[0] == 0:
            return np.zeros(vectors.shape[0], dtype=np.float32)
        return np.asarray((vectors @ claims.T).max(axis=1), dtype=np.float32)

    def match(self, text: str, vector: np.ndarray, gate_similarity: float) -> tuple[float, ClaimMatch | None]:
        """(similarity to the nearest claim, the match if it counts as repeating that claim)."""
        if gate_similarity < self.min_similarity - GATE_MARGIN:
            return gate_similarity, None
        entries = self._read()
        if entries.claims.shape[0] == 0:
            return 0.0, None
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        claim_sims = entries.claims @ v
        best = int(claim_sims.argmax())
        similarity = float(claim_sims[best])
        claim_id, claim_text = entries.claim_ids[best], entries.claim_texts[best]
        if similarity < self.min_similarity:
            return similarity, None
        if _negated(text) and not _negated(claim_text):
            logger.debug("claim %s not matched: the message negates it", claim_id)
            return similarity, None
        fact: Evidence | None = None
        refuted_by = entries.claim_refuted_by[best]
        if refuted_by and refuted_by in entries.fact_ids:
            row = entries.fact_ids.index(refuted_by)
            fact_text = entries.fact_texts[row]
            fact_sims = entries.facts @ v
            nearest = set(np.argsort(-fact_sims)[:5].tolist())  # as a top-5 fact search would see it
            fact_sim = float(fact_sims[row]) if row in nearest else None
            if fact_sim is not None and fact_sim >= similarity:
                logger.debug("claim %s not matched: the message is closer to its refuting fact", claim_id)
                return similarity, None
            if sides_with_fact(text, claim_text, fact_text):
                logger.debug("claim %s not matched: the message uses the fact's distinguishing words", claim_id)
                return similarity, None
            fact = Evidence(
                source="fact_sheet",
                id=refuted_by,
                text=fact_text,
                similarity=None if fact_sim is None else round(fact_sim, 4),
            )
        claim = Evidence(source="known_false_claim", id=claim_id, text=claim_text, similarity=round(similarity, 4))
        return similarity, ClaimMatch(claim=claim, fact=fact, similarity=similarity)

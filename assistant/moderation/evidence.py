"""Evidence for a flag: the guideline clause it most likely breaks, and similar past flags.

The clause is retrieved, not looked up: the message vector is compared with every clause, blended with a
prior from what the judgment says (its toxicity categories, or the judgment itself), so a hateful message
prefers the clause on hate even when its words resemble another clause more.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from assistant.domain import Judgment
from assistant.knowledge import Knowledge
from assistant.moderation.models import ClauseRef, SimilarFlag

if TYPE_CHECKING:
    from assistant.store.hits import Hit
    from assistant.store.index import Index

logger = logging.getLogger(__name__)

#: What each toxicity category and judgment is about, in the words a guideline would use; retrieval decides
#: which clause matches them best.
CATEGORY_QUERIES: dict[str, str] = {
    "insult": "Insulting, belittling, mocking or name-calling another member; a personal attack.",
    "harassment": "Harassing, repeatedly targeting or piling on another member; telling them to shut up.",
    "hate": ("Demeaning or stereotyping people for their race, religion, gender, sexuality or disability; slurs."),
    "threat": "Threatening to harm someone, or intimidating them to scare them into silence.",
    "profanity": "Profanity and abusive expletive-laden language aimed at people.",
    "hostile": "A hostile, aggressive or antagonising reply to another member; disrespect.",
    "condescending": "Condescending or patronising another member; talking down to them, belittling.",
    "dismissive": "Dismissing another member or their contribution out of hand; disrespect.",
}
JUDGMENT_QUERIES: dict[str, str] = {
    "toxicity": (
        "A toxic message: disrespect, harassment, threats or intimidation, hate toward groups, abusive language."
    ),
    "misinformation": (
        "Spreading misinformation: health or safety claims that are false, without a reputable source."
    ),
    "sentiment": "Hostile, disrespectful tone toward other members.",
}
#: How much the judgment's prior weighs against the message's own similarity to a clause.
PRIOR_WEIGHT = 0.5
#: A toxicity category at least this likely steers clause retrieval.
CLEAR_CATEGORY = 0.5


class ClauseFinder:
    """Retrieves the guideline clause a flagged message most likely breaks."""

    def __init__(self, index: Index, knowledge: Knowledge) -> None:
        self.index = index
        self.knowledge = knowledge
        self._query_sims: dict[str, dict[int, float]] = {}

    def _clause_similarities(self, query: str | np.ndarray) -> dict[int, float]:
        hits = self.index.search_guidelines(query, k=max(1, len(self.knowledge.clauses)))
        return self._by_number(hits)

    @staticmethod
    def _by_number(hits: Sequence[Hit]) -> dict[int, float]:
        return {int(h.metadata.get("number", h.id.removeprefix("clause-"))): h.similarity for h in hits}

    def own_similarities(self, vectors: Sequence[np.ndarray]) -> list[dict[int, float]]:
        """Each vector's similarity to every clause, in one index query (what ``find`` computes for one vector):
        flagging retrieves the clauses of a whole batch's flags at once."""
        if not self.knowledge.clauses or not vectors:
            return [{} for _ in vectors]
        k = max(1, len(self.knowledge.clauses))
        return [self._by_number(hits) for hits in self.index.search_guidelines_many(vectors, k=k)]

    def _query(self, text: str) -> dict[int, float]:
        if text not in self._query_sims:
            self._query_sims[text] = self._clause_similarities(text)
        return self._query_sims[text]

    def prior(self, judgment_name: str, judgment: Judgment | None) -> tuple[dict[int, float], float]:
        """Clause weights from the judgment's clear categories (or the judgment itself), and their strength.

        Only a clear category (probability >= ``CLEAR_CATEGORY``) steers: a weak "harassment" guess must
        not pull a veiled threat away from the clause on threats that its own words match.
        """
        cats: dict[str, float] = {}
        if judgment is not None and judgment_name == "toxicity":
            cats = {k: v for k, v in judgment.toxicity.categories.items() if k in CATEGORY_QUERIES}
        if cats and max(cats.values()) >= CLEAR_CATEGORY:
            weights = {c: p * p for c, p in cats.items() if p >= CLEAR_CATEGORY / 2}  # the clearest leads
            total = sum(weights.values())
            out: dict[int, float] = {}
            for cat, w in weights.items():
                for number, sim in self._query(CATEGORY_QUERIES[cat]).items():
                    out[number] = out.get(number, 0.0) + sim * w / total
            return out, PRIOR_WEIGHT
        if judgment_name in JUDGMENT_QUERIES:
            return self._query(JUDGMENT_QUERIES[judgment_name]), PRIOR_WEIGHT / 2
        return {}, 0.0

    def find(
        self,
        vector: np.ndarray | None,
        judgment_name: str,
        judgment: Judgment | None,
        *,
        own: dict[int, float] | None = None,
    ) -> ClauseRef | None:
        """The clause; ``own``, the vector's clause similarities when already retrieved (``own_similarities``)."""
        if not self.knowledge.clauses or judgment_name not in JUDGMENT_QUERIES:
            return None  # e.g. a "want" breaks no guideline
        if own is None:
            own = self._clause_similarities(vector) if vector is not None and vector.size else {}
        prior, weight = self.prior(judgment_name, judgment)
        if not own and not prior:
            return None
        if not own:
            weight = 1.0
        numbers = set(own) | set(prior)
        blended = {n: (1 - weight) * own.get(n, 0.0) + weight * prior.get(n, 0.0) for n in numbers}
        best = max(blended, key=lambda n: blended[n])
        clause = self.knowledge.clause(best)
        if clause is None:
            return None
        return ClauseRef(
            number=clause.number, title=clause.title, text=clause.text, similarity=round(blended[best], 4)
        )


class Candidate(Protocol):
    """What a past flag offers ``similar_flags``: a ``FlagRecord``, or a ``FlagSummary`` read for the pool."""

    @property
    def id(self) -> int | None: ...
    @property
    def channel_id(self) -> str: ...
    @property
    def ts(self) -> str: ...
    @property
    def excerpt(self) -> str: ...
    @property
    def judgment(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def decision(self) -> str | None: ...


def similar_flags(
    vector: np.ndarray | None,
    candidates: Sequence[Candidate],
    vectors: dict[str, np.ndarray],
    *,
    k: int = 3,
    min_similarity: float = 0.3,
) -> list[SimilarFlag]:
    """Up to ``k`` past flags whose messages are closest to this one (cosine on stored unit vectors)."""
    if vector is None or not vector.size or not candidates:
        return []
    scored: list[tuple[float, Candidate]] = []
    for flag in candidates:
        other = vectors.get(f"{flag.channel_id}:{flag.ts}")
        if other is None or other.shape != vector.shape or flag.id is None:
            continue
        sim = float(np.dot(vector, other))
        if sim >= min_similarity:
            scored.append((sim, flag))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    return [
        SimilarFlag(
            flag_id=int(f.id or 0),
            channel_id=f.channel_id,
            ts=f.ts,
            excerpt=f.excerpt,
            judgment=f.judgment,
            similarity=round(sim, 4),
            status=str(f.status),
            decision=f.decision,
        )
        for sim, f in scored[:k]
    ]

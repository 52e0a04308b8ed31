"""Verdict-aware claim matching with the real encoder: paraphrases of a false or misleading claim fire with the
correction and its source; negations and quotes made to debunk the rumour do not; a true or unproven claim adds
context but never a flag; the sparse BM25 scores are rank_bm25's; the hybrid engages only with a population."""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from assistant.claims.matrix import HYBRID_MIN_CLAIMS, ClaimMatrix, SparseBM25, tokenize
from assistant.claims.models import ClaimInput
from assistant.context import Context
from assistant.judgments import JudgmentEngine

pytestmark = pytest.mark.model

# Look-alike rumours written for these tests.
LEMON = ClaimInput(
    text="Hot lemon water every morning kills the coronavirus",
    verdict="false",
    correction="Lemon juice and hot drinks do not kill SARS-CoV-2; vaccines and antivirals prevent or treat COVID-19.",
    source_url="https://example.org/fact-checks/lemon",
)


def _engine(jctx: Context) -> JudgmentEngine:
    judge = jctx.judge
    assert isinstance(judge, JudgmentEngine) and judge.claims is not None
    return judge


def test_paraphrases_fire_and_negations_and_debunking_quotes_do_not(jctx: Context) -> None:
    engine = _engine(jctx)
    jctx.claims.add(LEMON, "UMOD1")
    paraphrase, other_words, denial, quoted, unrelated = engine.judge_texts(
        [
            "Drinking hot lemon water every morning kills the coronavirus, pass it on!",
            "hot lemon water in the morning kills the coronavirus, try it",
            "No, hot lemon water does not kill the coronavirus",
            "People keep saying 'hot lemon water kills the coronavirus' - it doesn't, that's a myth",
            "lemon cake recipe for the potluck?",
        ]
    )
    for j in (paraphrase, other_words):
        m = j.misinformation
        assert "claim_match" in m.fired and m.claim_score >= 0.7
        assert m.matched_claim is not None and m.matched_claim.text == LEMON.text
        assert m.refuting_fact is not None and "Lemon juice" in m.refuting_fact.text
        assert "https://example.org/fact-checks/lemon" in m.refuting_fact.text
    for j in (denial, quoted, unrelated):
        assert "claim_match" not in j.misinformation.fired and j.misinformation.matched_claim is None
        assert j.misinformation.claim_score <= 0.5


@pytest.mark.parametrize("verdict", ["true", "unproven"])
def test_a_true_or_unproven_claim_adds_context_but_never_fires(jctx: Context, verdict: str) -> None:
    engine = _engine(jctx)
    jctx.claims.add(
        ClaimInput(text="The city library now opens on Sundays", verdict=verdict, correction=""), "cli:op"
    )
    text = "did you know the city library opens on sundays now?"
    [j] = engine.judge_texts([text])
    assert "claim_match" not in j.misinformation.fired and j.misinformation.matched_claim is None
    assert j.misinformation.claim_score < 0.7
    assert engine.claims is not None and jctx.encoder is not None
    context = engine.claims.context(text, jctx.encoder.encode([text]).vectors[0])
    assert context is not None and context.verdict == verdict and not context.alerting


def test_misleading_fires_and_a_removed_claim_no_longer_does(jctx: Context) -> None:
    engine = _engine(jctx)
    claim = jctx.claims.add(
        ClaimInput(
            text="Charging your phone overnight makes the battery explode",
            verdict="misleading",
            correction="Phones stop charging when full.",
        ),
        "UMOD1",
    )
    text = "charging your phone overnight makes its battery explode!"
    [before] = engine.judge_texts([text])
    assert "claim_match" in before.misinformation.fired
    jctx.claims.remove(claim.id, "UMOD1")
    [after] = engine.judge_texts([text])
    assert "claim_match" not in after.misinformation.fired


def test_seeded_knowledge_claims_still_match_with_their_fact(jctx: Context) -> None:
    engine = _engine(jctx)
    [j] = engine.judge_texts(["5G towers are spreading the coronavirus"])
    assert j.misinformation.matched_claim is not None and j.misinformation.matched_claim.id == "claim-5g-covid"
    assert j.misinformation.refuting_fact is not None and j.misinformation.refuting_fact.id == "fact-5g-viruses"


def test_sparse_bm25_scores_are_rank_bm25s() -> None:
    docs = [
        "the moon is made of cheese",
        "vaccines cause autism says a viral post",
        "5g towers spread the virus",
        "the moon landing was staged",
        "drinking bleach cures the virus",
        "cheese is good for you",
    ]
    tokens = [tokenize(d) for d in docs]
    ours = SparseBM25.build(tokens)
    theirs = BM25Okapi(tokens)
    for query in ("the moon cheese", "virus virus towers", "nothing here", "the the the"):
        np.testing.assert_allclose(
            ours.scores(tokenize(query)), theirs.get_scores(tokenize(query)), rtol=1e-5, atol=1e-5
        )


def test_the_hybrid_ranking_needs_a_population_of_claims() -> None:
    def matrix(n: int) -> ClaimMatrix:
        rng = np.random.default_rng(0)
        v = rng.normal(size=(n, 8)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        blank = [""] * n
        return ClaimMatrix.build(
            ids=[str(i) for i in range(n)],
            texts=[f"claim {i}" for i in range(n)],
            titles=blank,
            verdicts=["false"] * n,
            corrections=blank,
            source_urls=blank,
            refuted_by=blank,
            claims=v,
            title_vectors=np.zeros_like(v),
            correction_vectors=np.zeros_like(v),
        )

    assert matrix(HYBRID_MIN_CLAIMS - 1).bm25 is None
    big = matrix(HYBRID_MIN_CLAIMS)
    assert big.bm25 is not None
    assert big.rank("claim 7", big.claims[7], k=3)[0] == 7

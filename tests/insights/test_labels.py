"""Want labels without scikit-learn: the stop words kept as data, and c-TF-IDF counted in plain Python, equal to
scikit-learn's list and to the ``CountVectorizer`` + SciPy computation they replace."""

from __future__ import annotations

import random

from assistant.insights.labels import _TOKEN, clean, distinctive_terms
from assistant.stopwords import ENGLISH_STOP_WORDS, STOP_WORDS

_WORDS = [
    "dark",
    "mode",
    "Dark-Mode",
    "palette",
    "figma",
    "release",
    "the",
    "and",
    "please",
    "thanks",
    "could",
    "add",
    "api",
    "v2",
    "2024",
    "schéma",
    "café",
    "x",
    "_under",
    "https://example.com/a",
    "<@U123>",
    "`code here`",
    "login,",
    "crash!",
    "Search",
    "search",
    "onboarding",
    "e-mail",
    "  ",
]


def test_stop_words_are_scikit_learns() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as SKLEARN

    assert frozenset(SKLEARN) == ENGLISH_STOP_WORDS


def test_distinctive_terms_equal_scikit_learns_on_random_groups() -> None:
    rng = random.Random(13)
    for _ in range(300):
        groups: dict[str, list[str]] = {}
        for g in range(rng.randint(1, 6)):
            groups[str(g) if g < 5 else "_other"] = [
                " ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 12))) for _ in range(rng.randint(1, 6))
            ]
        top = rng.choice([1, 3, 5])
        assert distinctive_terms(groups, top=top) == distinctive_terms_sklearn(groups, top=top), groups


def test_distinctive_terms_edge_cases() -> None:
    for groups in ({}, {"a": [""]}, {"a": ["the and of"]}, {"a": ["the"], "b": ["dark mode dark mode"]}):
        assert distinctive_terms(groups) == distinctive_terms_sklearn(groups)


def distinctive_terms_sklearn(groups: dict[str, list[str]], top: int = 5) -> dict[str, list[str]]:
    """``distinctive_terms`` with scikit-learn and SciPy: the reference it is tested against."""
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    keys = [k for k, docs in groups.items() if any(d.strip() for d in docs)]
    out: dict[str, list[str]] = {k: [] for k in groups}
    if not keys:
        return out
    docs = [" ".join(clean(d) for d in groups[k]) for k in keys]
    vectorizer = CountVectorizer(
        stop_words=sorted(STOP_WORDS), ngram_range=(1, 2), token_pattern=_TOKEN, lowercase=True, min_df=1
    )
    try:
        counts = vectorizer.fit_transform(docs)
    except ValueError:  # only stop words
        return out
    terms = vectorizer.get_feature_names_out()
    counts = sparse.csr_matrix(counts, dtype=np.float64)
    totals = np.asarray(counts.sum(axis=1)).ravel()
    totals[totals == 0] = 1.0
    mean_words = counts.sum() / max(len(keys), 1)
    idf = np.log(1.0 + mean_words / np.asarray(counts.sum(axis=0)).ravel())
    # A bigram made of two distinctive words outranks each word alone: boost bigrams slightly.
    idf = idf * np.where(np.char.find(terms.astype(str), " ") >= 0, 1.5, 1.0)
    scores = sparse.csr_matrix(sparse.diags(1.0 / totals) @ counts.multiply(idf))
    for row, key in enumerate(keys):
        lo, hi = scores.indptr[row], scores.indptr[row + 1]
        cols, vals = scores.indices[lo:hi], scores.data[lo:hi]
        raw = counts[row]
        chosen: list[str] = []
        for pos in np.argsort(-vals, kind="stable"):
            if vals[pos] <= 0 or len(chosen) >= top:
                break
            term = str(terms[cols[pos]])
            if raw[0, cols[pos]] < 2 and " " in term:
                continue  # a bigram seen once is noise
            if any(term in c for c in chosen):
                continue
            chosen = [c for c in chosen if c not in term.split()]
            chosen.append(term)
        out[key] = chosen[:top]
    return out

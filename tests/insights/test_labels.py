"""Want labels without scikit-learn: the stop words kept as data, and c-TF-IDF counted in plain Python, equal to
scikit-learn's list and to the ``CountVectorizer`` + SciPy computation they replace."""

from __future__ import annotations

import random

from assistant.insights.labels import distinctive_terms, distinctive_terms_sklearn
from assistant.stopwords import ENGLISH_STOP_WORDS

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

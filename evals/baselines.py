"""Baselines trained and run inside the same ``assistant eval`` command as the engine they are compared with.

TF-IDF + logistic regression on the dataset's own training split (any judgment), ``alt-profanity-check``
(toxicity) and VADER (sentiment). Their decision rules are the standard ones (0.5 / argmax / VADER's
±0.05 compound cut-offs), so nothing about them is tuned on the evaluated split.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from rank_bm25 import BM25Okapi
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

SEED = 13


def bm25_scores(
    docs: Sequence[str], queries: Sequence[str], tokenize: Callable[[str], list[str]]
) -> Iterator[np.ndarray]:
    """BM25 (``rank_bm25``'s Okapi) scores of every document, one array per query; a text without a token counts
    as one unknown token."""
    bm25 = BM25Okapi([tokenize(d) or ["∅"] for d in docs])
    for query in queries:
        yield np.asarray(bm25.get_scores(tokenize(query) or ["∅"]))


def tfidf_lr(train_texts: list[str], train_labels: list[int], texts: list[str]) -> np.ndarray:
    """Class probabilities [n, k] of a word 1-2-gram TF-IDF + logistic regression fit on the training split."""
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2 if len(train_texts) > 50 else 1, sublinear_tf=True)
    x = vec.fit_transform(train_texts)
    model = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced", random_state=SEED)
    model.fit(x, train_labels)
    proba = model.predict_proba(vec.transform(texts))
    full = np.zeros((len(texts), int(max(train_labels)) + 1))
    full[:, model.classes_] = proba
    return full


def profanity_check(texts: list[str]) -> np.ndarray:
    """P(profane) from alt-profanity-check (a linear SVM over words, trained on its authors' data)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it pickles an older scikit-learn model
        from profanity_check import predict_prob

        return np.asarray(predict_prob(texts), dtype=np.float64)


def vader(texts: list[str]) -> np.ndarray:
    """Sentiment class index (0 negative, 1 neutral, 2 positive) from VADER's compound score."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    out = np.ones(len(texts), dtype=int)
    for i, t in enumerate(texts):
        c = analyzer.polarity_scores(t)["compound"]
        out[i] = 2 if c >= 0.05 else 0 if c <= -0.05 else 1
    return out

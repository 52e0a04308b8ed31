"""Readable labels for groups of messages: class-based TF-IDF (c-TF-IDF, as in BERTopic).

Each group's messages are one document; a term scores high when it is frequent in the group and rare across
groups. Bigrams are kept so labels read like "dark mode" rather than "dark".

The counting is plain Python: the same tokens, n-grams and arithmetic as scikit-learn's ``CountVectorizer`` with
SciPy (``tests/insights/test_labels.py`` keeps that computation as the reference it compares with), so a want
answer or a digest imports neither (1.3-1.7 s).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter

from assistant.stopwords import STOP_WORDS

_TOKEN = r"(?u)\b[^\W\d_][\w\-]+\b"
_URL = re.compile(r"https?://\S+|<[^>]+>|`[^`]*`")


def clean(text: str) -> str:
    return _URL.sub(" ", text)


_TOKEN_RE = re.compile(_TOKEN)


def _terms(doc: str) -> list[str]:
    """``CountVectorizer(stop_words=STOP_WORDS, ngram_range=(1, 2), token_pattern=_TOKEN, lowercase=True)``'s
    analyzer: lower case, tokens, stop words out, then the unigrams and the bigrams of the tokens left."""
    tokens = [t for t in _TOKEN_RE.findall(doc.lower()) if t not in STOP_WORDS]
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def distinctive_terms(groups: dict[str, list[str]], top: int = 5) -> dict[str, list[str]]:
    """The ``top`` most distinctive terms of each group (c-TF-IDF); empty list for a group with no words."""
    keys = [k for k, docs in groups.items() if any(d.strip() for d in docs)]
    out: dict[str, list[str]] = {k: [] for k in groups}
    if not keys:
        return out
    counts = [Counter(_terms(" ".join(clean(d) for d in groups[k]))) for k in keys]
    column: Counter[str] = Counter()
    for row in counts:
        column.update(row)
    if not column:  # only stop words
        return out
    mean_words = float(sum(column.values())) / max(len(keys), 1)
    idf = {t: math.log(1.0 + mean_words / float(c)) * (1.5 if " " in t else 1.0) for t, c in column.items()}
    for key, row in zip(keys, counts, strict=True):
        inverse = 1.0 / float(sum(row.values()) or 1)
        # as scikit-learn's stable argsort of the row's scores, whose columns SciPy's product leaves in reverse
        # vocabulary (alphabetical) order: equal scores rank the later term first
        ranked = sorted(sorted(row, reverse=True), key=lambda t: -(inverse * (row[t] * idf[t])))
        out[key] = _choose(ranked, row, top)
    return out


def _choose(ranked: list[str], raw: Counter[str] | dict[str, int], top: int) -> list[str]:
    chosen: list[str] = []
    for term in ranked:
        if len(chosen) >= top:
            break
        if raw[term] < 2 and " " in term:
            continue  # a bigram seen once is noise
        if any(term in c for c in chosen):
            continue
        chosen = [c for c in chosen if c not in term.split()]
        chosen.append(term)
    return chosen[:top]


def label_from_terms(terms: list[str], fallback: str = "misc") -> str:
    """A short label: the best term, plus the second when the first is a single word."""
    if not terms:
        return fallback
    if " " in terms[0] or len(terms) == 1:
        return terms[0]
    return f"{terms[0]} / {terms[1]}"

"""The claim matrix: every live claim's vectors stacked once, plus a sparse BM25 matrix, ranked in one product.

A message is matched with one matrix-vector product over the cached claim matrix (dense cosine) and, with enough
claims, one sparse product (BM25 Okapi, the same formula and constants as ``rank_bm25.BM25Okapi``): the two score
vectors are z-normalised over the claims and added, ``z(cos) + BM25_WEIGHT * z(bm25)``. With a handful of claims
BM25's statistics mean nothing, so below ``HYBRID_MIN_CLAIMS`` the ranking is cosine alone.

BM25 reads claims and messages through ``tokenize``: links dropped, hashtags and handles split into words, stop
words out, a light suffix strip. Chosen on CheckThat! 2020 train (800 tweets, 10,375 Snopes claims, product
encoder): BM25 MAP@5 0.745 -> 0.793, the hybrid 0.856 -> 0.875 (cosine alone 0.801). Dev: see MODEL_CARD.md.

A headline (``title``) always counts for BM25. A claim whose headline was encoded too (the default of ``claims
import``; ``--no-encode-titles`` skips it) adds its headline's cosine as a third z-scored term,
``z(cos text) + TITLE_WEIGHT * z(cos headline) + BM25_WEIGHT * z(bm25)``; a claim without a headline vector counts
its text's cosine there. Chosen on CheckThat! train (issue 18, product encoder, BM25 weight kept at 0.3): MAP@5
0.9087 without the term, 0.9123 / 0.9124 / 0.9124 / 0.9119 with a title weight of 0.1 / 0.2 / 0.3 / 0.5 (0.3 is the
middle of that plateau; the joint grid's best, 0.2 with a BM25 weight of 0.4, is 0.9135, one tweet away). The mean of
the text's and headline's vectors (the previous way) and the max of the two cosines were lower (0.908-0.910).

Confirmed repeats (``assistant.claims.repeats``: messages a moderator confirmed, or labelled posts imported) join
the dense term: a claim's cosine is the best of its text's and its repeats' (``dense``), and the match threshold is
read against that too (``similarity``). CheckThat! dev with the 800 train tweets imported as repeats: MAP@5 0.8934
-> 0.9033, P@1 0.858 -> 0.873 (``assistant eval``'s ``no_repeats`` baseline is the same run without them).

Measured on train and not shipped (scratch scripts over cached vectors): cleaning tweets before encoding (links,
the "- Name (@handle) date" trailer, handles, '#') lowers cosine (0.834 -> 0.807-0.821: the author's name helps
find the claim about them); a logistic re-ranker of the top 20 over ten score features, 5-fold cross-validated:
0.9135 -> 0.9137; a residual linear map of the message vectors trained contrastively on train pairs, 5-fold: the
hybrid 0.9087 -> 0.9111.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import sparse

from assistant.claims.models import ALERTING_VERDICTS
from assistant.claims.screen import HalfScreen
from assistant.stopwords import ENGLISH_STOP_WORDS

#: Weight of BM25's z-score in the sum (chosen on CheckThat! train: 0.2-0.3 best of 0.1-1.0, both tokenizers).
BM25_WEIGHT = 0.3
#: Weight of the headline's cosine z-score (chosen on CheckThat! train, see above).
TITLE_WEIGHT = 0.3
#: The headline term is added to this many best claims by the other two terms (its z-score still over all claims):
#: the ranking's cost stays one dense product over the claim matrix (the top 5 are unchanged on CheckThat! train).
HEADLINE_CANDIDATES = 200
#: Fewer claims than this: cosine alone (z-scores and BM25's idf need a population).
HYBRID_MIN_CLAIMS = 100
K1, B, EPSILON = 1.5, 0.75, 0.25  # rank_bm25.BM25Okapi's defaults

_TOKEN = re.compile(r"[a-z0-9]+")
_SLACK_BARE = re.compile(r"<[@#!][^<>|]*>")  # Slack markup for a user/channel id without a label: no words
_SLACK_LINK = re.compile(r"<(?:[^<>|]*\|)?([^<>|]*)>")  # <url|label> -> label, <url> -> url (dropped below)
_PIC = re.compile(r"pic\.twitter\.com/\w+", re.IGNORECASE)  # often glued to the word before it
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TAG = re.compile(r"[#@](\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_SPACE = re.compile(r"\s+")
#: scikit-learn's English stop words (``assistant.stopwords``); they only add noise to BM25 over short claims.
_STOP = frozenset(ENGLISH_STOP_WORDS)
_SUFFIXES = ("ing", "ed", "s")
_ES = ("sses", "xes", "ches", "shes")


def normalize_message(text: str) -> str:
    """A message as BM25 reads it: HTML entities decoded, links (and pic.twitter.com ids) dropped, #hashtags and
    @handles split into words (``#FakeNews`` -> ``Fake News``, ``@realDonaldTrump`` -> ``real Donald Trump``).

    Only the lexical side sees this: the message's vector is the pipeline's one pass over its text. The trailer a
    quoted tweet carries ("- Name (@handle) date") is kept: on CheckThat! train the author's name helps BM25.
    """
    t = html.unescape(_SLACK_LINK.sub(r" \1 ", _SLACK_BARE.sub(" ", text)))
    t = _URL.sub(" ", _PIC.sub(" ", t))
    t = _TAG.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1).replace("_", " ")) + " ", t)
    return _SPACE.sub(" ", t).strip()


def _stem(word: str) -> str:
    """A light suffix strip (plurals, -ed, -ing) so "vaccines"/"vaccine" and "churches"/"church" meet."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(_ES):
        return word[:-2]
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def tokenize(text: str) -> list[str]:
    """BM25's tokens, the same for claims and messages: normalised, lower-cased, stop words out, lightly stemmed.
    On CheckThat! train: BM25 MAP@5 0.745 with bare lower-cased words, 0.793 this way."""
    return [_stem(w) for w in _TOKEN.findall(normalize_message(text).lower()) if w not in _STOP]


def plain_tokenize(text: str) -> list[str]:
    """Lower-cased words only (the tokenizer before ``tokenize``; kept as an eval baseline)."""
    return _TOKEN.findall(text.lower())


@dataclass
class SparseBM25:
    """BM25 Okapi as a [claims x vocabulary] matrix: a query's scores are one sparse product with its counts."""

    vocabulary: dict[str, int]
    weights: sparse.csc_matrix  # [n_docs, vocab], by column: a query reads only its words' columns

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]]) -> SparseBM25:
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[float] = []
        lengths = np.asarray([len(d) for d in docs], dtype=np.float64)
        df: Counter[int] = Counter()
        for r, doc in enumerate(docs):
            counts = Counter(doc)
            for word, tf in counts.items():
                c = vocabulary.setdefault(word, len(vocabulary))
                rows.append(r)
                cols.append(c)
                tfs.append(float(tf))
                df[c] += 1
        n = max(1, len(docs))
        avgdl = float(lengths.mean()) if len(docs) else 1.0
        idf = np.zeros(len(vocabulary), dtype=np.float64)
        for c, freq in df.items():
            idf[c] = math.log(n - freq + 0.5) - math.log(freq + 0.5)
        if len(idf):
            floor = EPSILON * float(idf.mean())
            idf[idf < 0] = floor
        r_arr = np.asarray(rows, dtype=np.int64)
        c_arr = np.asarray(cols, dtype=np.int64)
        tf_arr = np.asarray(tfs, dtype=np.float64)
        norm = K1 * (1 - B + B * lengths[r_arr] / max(avgdl, 1e-9))
        values = idf[c_arr] * tf_arr * (K1 + 1) / (tf_arr + norm)
        weights = sparse.csc_matrix(
            (values.astype(np.float32), (r_arr, c_arr)), shape=(len(docs), max(1, len(vocabulary)))
        )
        return cls(vocabulary=vocabulary, weights=weights)

    def scores(self, query: Sequence[str]) -> np.ndarray:
        counts = Counter(self.vocabulary[w] for w in query if w in self.vocabulary)
        if not counts:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        cols = np.fromiter(counts.keys(), dtype=np.int64)
        vals = np.fromiter(counts.values(), dtype=np.float32)
        return np.asarray(self.weights[:, cols] @ vals, dtype=np.float32).reshape(-1)


def _z(scores: np.ndarray) -> np.ndarray:
    std = float(scores.std())
    return (scores - float(scores.mean())) / std if std > 1e-12 else np.zeros_like(scores)


@dataclass
class ClaimMatrix:
    """Live claims as arrays: ids, texts, verdicts, corrections and their vectors (rows aligned)."""

    ids: list[str]
    texts: list[str]
    verdicts: list[str]
    corrections: list[str]
    source_urls: list[str]
    refuted_by: list[str]
    #: [n, dim] unit vectors of the claims' texts: the similarity the match threshold is read against.
    claims: np.ndarray
    #: [n, dim] the corrections' vectors (zero rows where a claim has none).
    corrections_m: np.ndarray
    titles: list[str] = field(default_factory=list)
    bm25: SparseBM25 | None = None
    revision: str = ""
    #: [n, dim] the headlines' vectors, the text's vector where a claim has none; None when no headline was encoded.
    headlines: np.ndarray | None = None
    #: The headlines' mean vector and second moment [dim, dim]: the z-score of every headline cosine without the product.
    headline_mean: np.ndarray | None = None
    headline_moment: np.ndarray | None = None
    #: [m, dim] confirmed repeats' vectors (``assistant.claims.repeats``) and [m] the row of the claim each repeats:
    #: a claim's dense similarity is the best of its own text's and its repeats' cosines.
    repeats: np.ndarray | None = None
    repeat_rows: np.ndarray | None = None

    @classmethod
    def empty(cls, dim: int) -> ClaimMatrix:
        z = np.zeros((0, dim), dtype=np.float32)
        return cls([], [], [], [], [], [], z, z)

    @classmethod
    def build(
        cls,
        *,
        ids: list[str],
        texts: list[str],
        titles: list[str],
        verdicts: list[str],
        corrections: list[str],
        source_urls: list[str],
        refuted_by: list[str],
        claims: np.ndarray,
        title_vectors: np.ndarray,
        correction_vectors: np.ndarray,
        revision: str = "",
        repeat_vectors: np.ndarray | None = None,
        repeat_rows: Sequence[int] = (),
    ) -> ClaimMatrix:
        claims = np.ascontiguousarray(claims, dtype=np.float32)
        has_title = np.abs(title_vectors).sum(axis=1) > 0 if len(title_vectors) else np.zeros(0, dtype=bool)
        headlines = None
        if has_title.any():
            headlines = claims.copy()
            headlines[has_title] = title_vectors[has_title]
        bm25 = None
        if len(ids) >= HYBRID_MIN_CLAIMS:
            bm25 = SparseBM25.build([tokenize(f"{t} {h}") for t, h in zip(texts, titles, strict=True)])
        return cls(
            ids=ids,
            texts=texts,
            verdicts=verdicts,
            corrections=corrections,
            source_urls=source_urls,
            refuted_by=refuted_by,
            claims=claims,
            corrections_m=np.ascontiguousarray(correction_vectors, dtype=np.float32),
            titles=titles,
            bm25=bm25,
            revision=revision,
            headlines=None if headlines is None else np.ascontiguousarray(headlines, dtype=np.float32),
            headline_mean=None if headlines is None else headlines.astype(np.float64).mean(axis=0),
            headline_moment=(
                None
                if headlines is None
                else headlines.astype(np.float64).T @ headlines.astype(np.float64) / len(ids)
            ),
            repeats=(
                np.ascontiguousarray(repeat_vectors, dtype=np.float32)
                if repeat_vectors is not None and len(repeat_rows)
                else None
            ),
            repeat_rows=np.asarray(repeat_rows, dtype=np.int64) if len(repeat_rows) else None,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def alerting(self, row: int) -> bool:
        return self.verdicts[row] in ALERTING_VERDICTS

    @cached_property
    def screen(self) -> HalfScreen | None:
        """The half-precision copy of the claims' and repeats' rows, where it pays (``assistant.claims.screen``)."""
        rows = self.claims if self.repeats is None else np.vstack([self.claims, self.repeats])
        return HalfScreen.build(rows)

    def nearest_similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Each vector's cosine with its nearest claim or confirmed repeat (0 without claims): one product for the
        whole batch, over the half-precision screen where there is one (still exact, see its module)."""
        if len(self) == 0 or vectors.shape[0] == 0:
            return np.zeros(vectors.shape[0], dtype=np.float32)
        if self.screen is not None:
            return self.screen.nearest(np.asarray(vectors, dtype=np.float32))
        nearest = (vectors @ self.claims.T).max(axis=1)
        if self.repeats is not None:
            nearest = np.maximum(nearest, (vectors @ self.repeats.T).max(axis=1))
        return np.asarray(nearest, dtype=np.float32)

    def dense(self, v: np.ndarray) -> np.ndarray:
        """Every claim's cosine with ``v``: its text's, or a confirmed repeat's where that is closer."""
        cos = self.claims @ v
        if self.repeats is not None and self.repeat_rows is not None:
            np.maximum.at(cos, self.repeat_rows, self.repeats @ v)
        return cos

    def similarity(self, row: int, v: np.ndarray) -> float:
        """One claim's cosine with ``v`` as ``dense`` has it (what the match threshold is read against)."""
        best = float(self.claims[row] @ v)
        if self.repeats is not None and self.repeat_rows is not None:
            mine = self.repeats[self.repeat_rows == row]
            if len(mine):
                best = max(best, float((mine @ v).max()))
        return best

    @property
    def ranking(self) -> np.ndarray:
        """[n, dim] the vectors the text's cosine is ranked by: the claims' own (``claims``)."""
        return self.claims

    def _base(self, text: str, v: np.ndarray) -> np.ndarray:
        """z(cosine) + w z(BM25) of every claim (``bm25`` built)."""
        assert self.bm25 is not None
        return _z(self.dense(v)) + BM25_WEIGHT * _z(self.bm25.scores(tokenize(text)))

    def scores(self, text: str, vector: np.ndarray) -> np.ndarray:
        """The ranking score of every claim for one message: z(cosine) [+ t z(headline cosine)] + w z(BM25), or
        cosine alone below ``HYBRID_MIN_CLAIMS``."""
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        if self.bm25 is None:
            return self.dense(v)
        score = self._base(text, v)
        if self.headlines is not None:
            score += TITLE_WEIGHT * _z(self.headlines @ v)
        return score

    def rank(self, text: str, vector: np.ndarray, k: int = 5) -> list[int]:
        """The rows of the ``k`` best-ranked claims, best first (``scores``' order; the headline term is added to
        the ``HEADLINE_CANDIDATES`` best by the other two terms only)."""
        if len(self) == 0:
            return []
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        if self.bm25 is None or self.headlines is None:
            s = self.scores(text, v)
            rows = np.arange(len(s))
        else:
            base = self._base(text, v)
            pool = min(len(base), max(k, HEADLINE_CANDIDATES))
            rows = np.argpartition(-base, pool - 1)[:pool]
            s = base[rows] + TITLE_WEIGHT * self._headline_z(v, rows)
        k = min(k, len(s))
        top = np.argpartition(-s, k - 1)[:k]
        return [int(rows[i]) for i in top[np.argsort(-s[top], kind="stable")]]

    def _headline_z(self, v: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """z-scores of the headline cosines of ``rows``, the mean and deviation over every claim read from the
        headlines' first and second moments (exact, without the product over all of them)."""
        assert self.headlines is not None and self.headline_mean is not None and self.headline_moment is not None
        v64 = v.astype(np.float64)
        mean = float(self.headline_mean @ v64)
        std = math.sqrt(max(float(v64 @ self.headline_moment @ v64) - mean * mean, 0.0))
        if std <= 1e-12:
            return np.zeros(len(rows), dtype=np.float64)
        return (self.headlines[rows] @ v - mean) / std

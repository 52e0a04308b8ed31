"""Trained heads over the one encoder pass: linear models on MiniLM vectors and on TF-IDF words, stacked.

A head's score is a logistic (binary) or softmax (multi-class) stacker over two linear scores: one on the
encoder vector the pipeline already computed, one on cheap TF-IDF word features whose per-word weights also
explain the score. Everything is plain numpy arrays so the artifacts stay small and load without pickles.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

logger = logging.getLogger(__name__)

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
TOKEN_PATTERN = r"(?u)\b\w+\b"
#: The rows the heads were trained and tuned on, by dataset, scheme head and split (gzipped JSON).
ROWS_FILE = "training_rows.json.gz"


def normalise(text: str) -> str:
    """What the word features see: lower case, links and mentions as placeholders."""
    text = _URL.sub(" httpurl ", text)
    text = _MENTION.sub(" atuser ", text)
    return text.lower()


def make_vectorizer(max_features: int = 40000, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=normalise,
        token_pattern=TOKEN_PATTERN,
        ngram_range=(1, 2),
        min_df=2,
        max_df=0.5,
        max_features=max_features,
        sublinear_tf=True,
        strip_accents="unicode",
        dtype=np.float32,
        vocabulary=vocabulary,
    )


class WordFeatures:
    """A fitted TF-IDF vocabulary shared by all heads (vocabulary + idf weights, nothing pickled)."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vectorizer = vectorizer

    @classmethod
    def fit(cls, texts: list[str], max_features: int = 40000) -> WordFeatures:
        vec = make_vectorizer(max_features)
        vec.fit(texts)
        return cls(vec)

    @classmethod
    def from_parts(cls, vocabulary: dict[str, int], idf: np.ndarray) -> WordFeatures:
        vec = make_vectorizer(vocabulary=vocabulary)
        vec.fit(["placeholder"])  # sets up the analyzer; idf is replaced below
        vec.idf_ = idf.astype(np.float64)
        return cls(vec)

    @property
    def size(self) -> int:
        return len(self.vectorizer.vocabulary_)

    @cached_property
    def _fitted(self) -> tuple[Callable[[str], list[str]], dict[str, int], np.ndarray]:
        """The fitted vectorizer's analyzer, vocabulary and idf, read once for ``transform``."""
        vec = self.vectorizer
        return vec.build_analyzer(), vec.vocabulary_, np.asarray(vec.idf_, dtype=np.float64)

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """The fitted vectorizer's TF-IDF rows (sublinear tf, idf, l2), equal to ``vectorizer.transform``.

        Computed from the vectorizer's own analyzer, vocabulary and idf: scikit-learn's per-call checks and
        conversions cost more than the arithmetic for one live message.
        """
        analyzer, vocabulary, idf = self._fitted
        indptr = [0]
        indices: list[int] = []
        values: list[float] = []
        for text in texts:
            counts: dict[int, int] = {}
            for term in analyzer(text):
                j = vocabulary.get(term)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            cols = sorted(counts)
            row = (1.0 + np.log(np.asarray([counts[j] for j in cols], dtype=np.float64))) * idf[cols]
            norm = float(np.sqrt(row @ row))
            indices += cols
            values += (row / norm).tolist() if norm > 0 else row.tolist()
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.asarray(values, dtype=np.float32), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
            shape=(len(texts), len(vocabulary)),
        )

    def terms(self) -> list[str]:
        return [str(t) for t in self.vectorizer.get_feature_names_out()]


@dataclass
class Head:
    """One judgment head: classes, encoder-side and word-side linear scores, and the stacker over them.

    ``prior_shift`` is added to the binary logit so probabilities match the base rate expected in chat,
    not the training mix.
    """

    name: str
    classes: list[str]
    emb_w: np.ndarray  # [k, dim]
    emb_b: np.ndarray  # [k]
    word_w: np.ndarray  # [k, vocab]
    word_b: np.ndarray  # [k]
    stack_w: np.ndarray  # [k, 2k]
    stack_b: np.ndarray  # [k]
    prior_shift: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def binary(self) -> bool:
        return len(self.classes) == 2

    def component_scores(self, vectors: np.ndarray, words: sparse.csr_matrix) -> np.ndarray:
        e = vectors @ self.emb_w.T + self.emb_b
        w = np.asarray(words @ self.word_w.T) + self.word_b
        return np.hstack([e, w]).astype(np.float32)

    def probabilities(self, vectors: np.ndarray, words: sparse.csr_matrix) -> np.ndarray:
        """Binary heads: P(positive) as shape [n]; multi-class heads: [n, k] rows summing to one."""
        return self.from_components(self.component_scores(vectors, words))

    def from_components(self, components: np.ndarray) -> np.ndarray:
        z = components @ self.stack_w.T + self.stack_b
        if self.binary:
            return 1.0 / (1.0 + np.exp(-(z[:, 0] + self.prior_shift)))
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)


@dataclass
class HeadSet:
    """All heads of one trained artifact version plus its word features and decision thresholds."""

    version: str
    words: WordFeatures
    heads: dict[str, Head]
    thresholds: dict[str, float] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    #: the exact training and dev rows (``Trainer.rows``), written to ``ROWS_FILE`` when known
    rows: dict[str, Any] | None = None

    def probabilities(self, vectors: np.ndarray, words: sparse.csr_matrix) -> dict[str, np.ndarray]:
        """Every head at once: one fused product per feature side (the per-message cost stays tiny)."""
        if not hasattr(self, "_fused"):
            names = list(self.heads)
            offsets = np.cumsum([0] + [self.heads[n].emb_w.shape[0] for n in names])
            self._fused = (
                names,
                np.ascontiguousarray(np.vstack([self.heads[n].emb_w for n in names]).T, dtype=np.float32),
                np.ascontiguousarray(np.vstack([self.heads[n].word_w for n in names]).T, dtype=np.float32),
                offsets,
                self._binary_parts(names, offsets),
            )
        names, emb_t, word_t, offsets, binary = self._fused
        e_all = vectors @ emb_t + binary["emb_b"]
        w_all = np.asarray(words @ word_t) + binary["word_b"]
        out: dict[str, np.ndarray] = {}
        # binary heads (one column each) in one vectorised step: stacker, prior shift and sigmoid
        cols = binary["cols"]
        z = e_all[:, cols] * binary["s_emb"] + w_all[:, cols] * binary["s_word"] + binary["s_b"]
        p = 1.0 / (1.0 + np.exp(-z))
        for j, name in enumerate(binary["names"]):
            out[name] = p[:, j]
        for i, name in enumerate(names):
            head = self.heads[name]
            if head.binary:
                continue
            a, b = offsets[i], offsets[i + 1]
            out[name] = head.from_components(np.hstack([e_all[:, a:b], w_all[:, a:b]]))
        return {name: out[name] for name in names}

    def _binary_parts(self, names: list[str], offsets: np.ndarray) -> dict[str, Any]:
        heads = [self.heads[n] for n in names]
        chosen = [(i, h) for i, h in enumerate(heads) if h.binary]
        return {
            "emb_b": np.concatenate([h.emb_b for h in heads]).astype(np.float32),
            "word_b": np.concatenate([h.word_b for h in heads]).astype(np.float32),
            "names": [h.name for _, h in chosen],
            "cols": np.asarray([offsets[i] for i, _ in chosen], dtype=int),
            "s_emb": np.asarray([h.stack_w[0, 0] for _, h in chosen], dtype=np.float32),
            "s_word": np.asarray([h.stack_w[0, 1] for _, h in chosen], dtype=np.float32),
            "s_b": np.asarray([h.stack_b[0] + h.prior_shift for _, h in chosen], dtype=np.float32),
        }

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {"idf": self.words.vectorizer.idf_.astype(np.float32)}
        meta: dict[str, Any] = {}
        for name, h in self.heads.items():
            arrays[f"{name}.emb_w"] = h.emb_w.astype(np.float32)
            arrays[f"{name}.emb_b"] = h.emb_b.astype(np.float32)
            arrays[f"{name}.word_w"] = h.word_w.astype(np.float16)
            arrays[f"{name}.word_b"] = h.word_b.astype(np.float32)
            arrays[f"{name}.stack_w"] = h.stack_w.astype(np.float32)
            arrays[f"{name}.stack_b"] = h.stack_b.astype(np.float32)
            meta[name] = {"classes": h.classes, "prior_shift": h.prior_shift, "info": h.info}
        np.savez_compressed(folder / "heads.npz", **arrays)  # type: ignore[arg-type]
        with gzip.open(folder / "vocabulary.json.gz", "wt", encoding="utf-8") as fh:
            json.dump(self.words.terms(), fh, ensure_ascii=False)
        manifest = dict(self.manifest)
        manifest.update({"version": self.version, "heads": meta, "thresholds": self.thresholds})
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if self.rows is not None:
            data = json.dumps(self.rows, sort_keys=True).encode("utf-8")
            with gzip.GzipFile(folder / ROWS_FILE, "wb", mtime=0) as fh:  # the same rows give the same bytes
                fh.write(data)

    @classmethod
    def load(cls, folder: Path) -> HeadSet:
        manifest = json.loads((folder / "manifest.json").read_text())
        with gzip.open(folder / "vocabulary.json.gz", "rt", encoding="utf-8") as fh:
            terms: list[str] = json.load(fh)
        with np.load(folder / "heads.npz") as z:
            arrays = {k: z[k] for k in z.files}
        words = WordFeatures.from_parts({t: i for i, t in enumerate(terms)}, arrays["idf"])
        heads: dict[str, Head] = {}
        for name, meta in manifest["heads"].items():
            heads[name] = Head(
                name=name,
                classes=list(meta["classes"]),
                emb_w=arrays[f"{name}.emb_w"],
                emb_b=arrays[f"{name}.emb_b"],
                word_w=arrays[f"{name}.word_w"].astype(np.float32),
                word_b=arrays[f"{name}.word_b"],
                stack_w=arrays[f"{name}.stack_w"],
                stack_b=arrays[f"{name}.stack_b"],
                prior_shift=float(meta.get("prior_shift", 0.0)),
                info=dict(meta.get("info", {})),
            )
        return cls(
            version=str(manifest["version"]),
            words=words,
            heads=heads,
            thresholds={k: float(v) for k, v in manifest.get("thresholds", {}).items()},
            manifest=manifest,
        )

"""Trains every judgment head from the public datasets and writes the artifact set the engine loads.

Reproducible: fixed seeds, fixed folds, deterministic solvers. Vectors come from the frozen bundled encoder
via the on-disk cache, so a retrain costs one encoding of the data root and then minutes of linear fits.
Thresholds and base-rate corrections are chosen on the dev splits, never on test data.

Heads are described in ``specs`` (``HEAD_SPECS``) and fitted by ``fitting``; this module loads the data, encodes
it (cached), runs the fits and assembles the artifact set.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from assistant.encoder import Encoder
from assistant.judgments.heads import Head, HeadSet, WordFeatures
from assistant.training.cache import encode_cached
from assistant.training.datasets import ENCODE_ROWS, LabelledSet, scheme
from assistant.training.fitting import SEED, SplitData, choose_threshold, fit_head, tune_class_bias
from assistant.training.specs import HEAD_SPECS, HeadSpec

__all__ = [
    "HEAD_SPECS",
    "MIN_FRESH_ROWS",
    "SEED",
    "HeadSpec",
    "Loaded",
    "SplitData",
    "Trainer",
    "choose_threshold",
    "fit_head",
    "sample_rows",
    "tune_class_bias",
]

logger = logging.getLogger(__name__)

#: A dataset with fewer rows the encoder was not fine-tuned on than this gives vectors for all its rows.
MIN_FRESH_ROWS = 500


@dataclass(frozen=True)
class Loaded:
    data: LabelledSet
    enc_idx: np.ndarray
    vectors: np.ndarray


def sample_rows(n: int, cap: int | None) -> np.ndarray:
    """A fixed-seed sample of row indices (all rows when ``cap`` is None or not smaller than ``n``)."""
    if not cap or cap >= n:
        return np.arange(n)
    return np.asarray(random.Random(0).sample(range(n), cap))


class Trainer:
    """Loads, encodes (cached) and fits the heads named in ``HEAD_SPECS`` from ``data_root``.

    The word side of each head learns from every training row; the encoder side from a fixed-seed sample of
    up to ``Scheme.encode_rows`` rows per dataset (encoding is the expensive part on a small CPU).
    ``max_train_rows`` and ``max_dev_rows`` shrink everything for quick experiments.
    """

    def __init__(
        self,
        data_root: Path,
        encoder: Encoder,
        cache_dir: Path | None = None,
        max_train_rows: int | None = None,
        max_dev_rows: int | None = None,
        exclude: set[str] | None = None,
    ) -> None:
        """``exclude``: training texts that get no encoder vector (those the encoder was fine-tuned on)."""
        self.root = data_root
        self.exclude = exclude or set()
        self.encoder = encoder
        self.cache_dir = cache_dir
        self.max_train_rows = max_train_rows
        self.max_dev_rows = max_dev_rows
        self._loaded: dict[tuple[str, str, str], Loaded] = {}

    def load(self, dataset: str, head: str, split: str) -> Loaded | None:
        key = (dataset, head, split)
        if key not in self._loaded:
            s = scheme(dataset, head)
            if not s.available(self.root, split):
                return None
            data = s.load(self.root, split)
            if split == "train":
                fresh = np.asarray([i for i, t in enumerate(data.texts) if t not in self.exclude], dtype=int)
                if len(fresh) < MIN_FRESH_ROWS:  # (nearly) all rows were fine-tuned on: better those than none
                    fresh = np.arange(len(data))
                pick = sample_rows(len(fresh), self.max_train_rows or ENCODE_ROWS.get(dataset))
                enc_idx = np.sort(fresh[pick])
            else:
                keep = sample_rows(len(data), self.max_dev_rows)
                data = LabelledSet(
                    [data.texts[i] for i in keep], [data.labels[i] for i in keep], [data.ids[i] for i in keep]
                )
                enc_idx = np.arange(len(data))
            texts = [data.texts[i] for i in enc_idx]
            vectors = encode_cached(self.encoder, texts, self.cache_dir, progress=True)
            self._loaded[key] = Loaded(data, enc_idx, vectors)
        return self._loaded[key]

    def split(self, spec: HeadSpec, split: str) -> SplitData | None:
        chosen = spec.sources[: spec.dev_sources] if split != "train" and spec.dev_sources else spec.sources
        weight_of = dict(zip(spec.sources, spec.weights or (1.0,) * len(spec.sources), strict=True))
        parts = [(f"{d}/{h}", weight_of[(d, h)], self.load(d, h, split)) for d, h in chosen]
        present = [(name, wt, p) for name, wt, p in parts if p is not None and len(p.data)]
        if not present:
            return None
        texts: list[str] = []
        labels: list[int] = []
        vectors: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        enc: list[np.ndarray] = []
        sources: list[str] = []
        total = sum(len(p.data) for _, _, p in present)
        share = sum(wt for _, wt, _ in present)
        for name, wt, p in present:
            enc.append(p.enc_idx + len(texts))
            texts += p.data.texts
            labels += p.data.labels
            vectors.append(p.vectors)
            weights.append(np.full(len(p.data), total * wt / (share * len(p.data)), dtype=np.float64))
            sources += [name] * len(p.data)
        return SplitData(
            texts,
            np.asarray(labels),
            np.concatenate(weights),
            np.concatenate(enc),
            np.vstack(vectors),
            sources=sources,
        )

    def train(
        self, specs: tuple[HeadSpec, ...] = HEAD_SPECS, progress: bool = True, words: WordFeatures | None = None
    ) -> HeadSet:
        """Fit ``specs``; ``words`` reuses an existing vocabulary (to retrain some heads of an artifact set)."""
        started = time.time()
        train_sets = {s.name: self.split(s, "train") for s in specs}
        dev_sets = {s.name: self.split(s, "dev") for s in specs}
        if words is None:
            corpus = sorted({t for d in train_sets.values() if d is not None for t in d.texts})
            words = WordFeatures.fit(corpus)
            logger.info("word features: %d terms from %d texts", words.size, len(corpus))
        heads: dict[str, Head] = {}
        thresholds: dict[str, float] = {}
        report: dict[str, Any] = {}
        bar = tqdm(specs, desc="training heads", unit="head", disable=not progress)
        for spec in bar:
            bar.set_postfix_str(spec.name)
            tr = train_sets[spec.name]
            if tr is None:
                logger.warning("no training data for head %s; skipped", spec.name)
                continue
            if len(np.unique(tr.labels)) < 2:  # e.g. a data root holding only the positive side of a gate
                logger.warning("the training data for head %s has one class only; skipped", spec.name)
                continue
            tr.words = words.transform(tr.texts)
            head = fit_head(spec, tr)
            dev = dev_sets[spec.name]
            if dev is not None and len(dev.texts):
                dev.words = words.transform(dev.texts)
                t, metrics = choose_threshold(spec, head, dev)
                if t is not None:
                    thresholds[spec.name] = t
                if "alert_threshold" in metrics:
                    thresholds[f"{spec.name}.alert"] = metrics["alert_threshold"]
                report[spec.name] = metrics
            heads[spec.name] = head
        digest = hashlib.sha256()
        for name in sorted(heads):  # everything that decides a probability names the version
            digest.update(heads[name].emb_w.tobytes())
            digest.update(heads[name].stack_w.tobytes())
            digest.update(heads[name].stack_b.tobytes())
            digest.update(np.float64(heads[name].prior_shift).tobytes())
        version = f"minilm-heads-{digest.hexdigest()[:10]}"
        manifest = {
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seed": SEED,
            "encoder": (
                f"all-MiniLM-L6-v2 + multi-task LoRA {self.encoder.version} (mean pooled)"
                if getattr(self.encoder, "version", "")
                else "all-MiniLM-L6-v2 (frozen, mean pooled)"
            ),
            "encoder_version": getattr(self.encoder, "version", "") or "base",
            "encoder_rows_excluded": len(self.exclude),
            "train_seconds": round(time.time() - started, 1),
            "dev_metrics": report,
            "sources": {s.name: [f"{d}/{h}" for d, h in s.sources] for s in specs},
        }
        return HeadSet(
            version=version, words=words, heads=heads, thresholds=thresholds, manifest=manifest, rows=self.rows()
        )

    def rows(self) -> dict[str, dict[str, list[str]]]:
        """The exact rows read, by ``dataset/scheme head/split``: ``read`` (the word side) and ``encoded``
        (those that also gave an encoder vector), as row ids; ``["*"]`` means every labelled row of the file.
        Saved next to the heads."""
        out: dict[str, dict[str, list[str]]] = {}
        for (dataset, head, split), loaded in sorted(self._loaded.items()):
            ids = loaded.data.ids
            s = scheme(dataset, head)
            sampled = (split == "train" and s.max_train_rows is not None and len(ids) >= s.max_train_rows) or (
                split != "train" and self.max_dev_rows is not None
            )
            out[f"{dataset}/{head}/{split}"] = {
                "read": list(ids) if sampled else ["*"],
                "encoded": [ids[i] for i in loaded.enc_idx] if len(loaded.enc_idx) < len(ids) else ["*"],
            }
        return out

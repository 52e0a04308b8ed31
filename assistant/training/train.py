"""Trains every judgment head from the public datasets and writes the artifact set the engine loads.

Reproducible: fixed seeds, fixed folds, deterministic solvers. Vectors come from the frozen bundled encoder
via the on-disk cache, so a retrain costs one encoding of the data root and then minutes of linear fits.
Thresholds and base-rate corrections are chosen on the dev splits, never on test data.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from tqdm import tqdm

from assistant.encoder import Encoder
from assistant.judgments.heads import Head, HeadSet, WordFeatures
from assistant.training.cache import encode_cached
from assistant.training.datasets import (
    CHAT_SENTIMENT_SETS,
    ENCODE_ROWS,
    INCIVILITY,
    SCHEMES,
    LabelledSet,
    Scheme,
)

logger = logging.getLogger(__name__)

SEED = 13
#: A dataset with fewer rows the encoder was not fine-tuned on than this gives vectors for all its rows.
MIN_FRESH_ROWS = 500


@dataclass(frozen=True)
class HeadSpec:
    """What one head learns from: (dataset, scheme head) sources, regularisation and the chat base rate."""

    name: str
    sources: tuple[tuple[str, str], ...]
    emb_c: float = 4.0
    word_c: float = 4.0
    balanced: bool = False
    chat_rate: float | None = None  # expected positive rate in real chat (binary heads); None = training rate
    threshold_metric: str = "f1"  # how the dev threshold is chosen: "f1" (positive class) or "macro_f1"
    weights: tuple[float, ...] = ()  # relative weight per source (default 1 each; each source sums to its share)
    dev_sources: int | None = None  # sources read for dev threshold choice (None: all; 1: the labelled task)
    alert_precision: float | None = None  # also record the lowest threshold with this precision on dev
    per_source: bool = False  # multi-class: tune class offsets for the mean macro recall over dev sources
    neutral_floor: float | None = None  # ...while each source's recall of the middle class stays above this
    logit_shift: float = 0.0  # binary: a fixed shift of the logit (a gate that should prefer one side)


HEAD_SPECS: tuple[HeadSpec, ...] = (
    HeadSpec(
        "toxic",
        (
            ("davidson_hate_offensive", "toxic"),
            ("olid_offenseval2019", "offensive"),
            ("toxichat_reddit_threads", "toxic_thread"),
            ("semeval2019_task9_suggestions", "chat_negative"),
        ),
        weights=(1.0, 1.0, 1.0, 0.3),
        dev_sources=3,
        alert_precision=0.8,
    ),
    HeadSpec("profanity", (("davidson_hate_offensive", "toxic"),)),
    HeadSpec("offensive", (("olid_offenseval2019", "offensive"),), threshold_metric="macro_f1"),
    HeadSpec("insult", (("olid_offenseval2019", "insult"),)),
    HeadSpec("harassment", (("olid_offenseval2019", "harassment"),)),
    HeadSpec("hate", (("hateval2019_tweeteval", "hate_group"),), threshold_metric="macro_f1"),
    HeadSpec("toxic_thread", (("toxichat_reddit_threads", "toxic_thread"),)),
    HeadSpec(
        "misinfo_social",
        (("constraint2021_covid_fakenews", "misinfo_social"),),
        threshold_metric="macro_f1",
        alert_precision=0.9,
    ),
    # is this a news-like claim at all? (gates the fake-news score: chat is not what that data describes)
    HeadSpec(
        "claimlike",
        (
            ("constraint2021_covid_fakenews", "claimlike"),
            ("semeval2017_task4a_twitter_sentiment", "chat_negative"),
            ("semeval2019_task9_suggestions", "chat_negative"),
            ("app_review_intents_panichella2015", "chat_negative"),
        ),
        weights=(1.0, 0.5, 0.3, 0.2),
    ),
    HeadSpec(
        "misinfo_claim",
        (("liar_politifact", "misinfo_claim"),),
        emb_c=1.0,
        word_c=0.5,
        threshold_metric="accuracy",
    ),
    HeadSpec("misinfo_climate", (("climate_fever", "misinfo_climate"),), emb_c=1.0, word_c=1.0),
    HeadSpec(
        "sentiment", (("semeval2017_task4a_twitter_sentiment", "sentiment"),), balanced=True, alert_precision=0.8
    ),
    HeadSpec("want", (("semeval2019_task9_suggestions", "want"),), chat_rate=0.10),
    HeadSpec("want_review", (("app_review_intents_panichella2015", "want_review"),)),
    # conversation ------------------------------------------------------------------------------------------
    # toxicity in chat: game chat, abuse towards a chat agent, unhealthy comments; ordinary dialogue as clean
    HeadSpec(
        "toxic_chat",
        (
            ("conda_game_chat", "toxic_chat"),
            ("convabuse", "toxic_chat"),
            ("unhealthy_comments", "unhealthy"),
            ("dailydialog", "chat_negative"),
            ("meld_dialogue_sentiment", "chat_negative"),
            ("senti4sd_stackoverflow", "chat_negative"),
        ),
        weights=(1.0, 1.0, 1.0, 0.3, 0.3, 0.3),
        dev_sources=3,
        alert_precision=0.8,
    ),
    *(HeadSpec(name, (("unhealthy_comments", name),), balanced=True) for name in INCIVILITY),
    # sentiment of conversation with a real neutral class (Reddit, TV and everyday dialogue, developer posts)
    HeadSpec(
        "sentiment_chat",
        tuple((name, "sentiment") for name in CHAT_SENTIMENT_SETS),
        balanced=True,
        weights=(2.0, 1.0, 1.0, 1.0),
        per_source=True,
        neutral_floor=0.6,
    ),
    # which sentiment head fits the text: tweets (SemEval) or conversation; shifted towards "tweet" so tweets
    # keep the tweet head's figures (of the shifts 1, 2, 3 and 4, 3 was the smallest that kept SemEval-2017
    # dev macro recall within 0.01 of the tweet head alone; GoEmotions pays for it, see MODEL_CARD.md)
    HeadSpec(
        "register_tweet",
        (
            ("semeval2017_task4a_twitter_sentiment", "register"),
            *((name, "chat_negative") for name in CHAT_SENTIMENT_SETS),
        ),
        weights=(4.0, 1.0, 1.0, 1.0, 1.0),
        logit_shift=3.0,
    ),
)


def _scheme(dataset: str, head: str) -> Scheme:
    return next(s for s in SCHEMES if s.dataset == dataset and s.head == head)


@dataclass
class SplitData:
    """Rows of one head's split: every row feeds the word side; ``enc_idx`` rows also have encoder vectors."""

    texts: list[str]
    labels: np.ndarray
    weights: np.ndarray
    enc_idx: np.ndarray
    vectors: np.ndarray
    words: sparse.csr_matrix | None = None
    sources: list[str] = field(default_factory=list)


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
            s = _scheme(dataset, head)
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
            s = _scheme(dataset, head)
            sampled = (split == "train" and s.max_train_rows is not None and len(ids) >= s.max_train_rows) or (
                split != "train" and self.max_dev_rows is not None
            )
            out[f"{dataset}/{head}/{split}"] = {
                "read": list(ids) if sampled else ["*"],
                "encoded": [ids[i] for i in loaded.enc_idx] if len(loaded.enc_idx) < len(ids) else ["*"],
            }
        return out


def _scores(model: LogisticRegression, x: Any) -> np.ndarray:
    s = model.decision_function(x)
    return np.asarray(s, dtype=np.float64).reshape(len(s), -1)


def _lr(c: float, balanced: bool, solver: str = "lbfgs") -> LogisticRegression:
    return LogisticRegression(
        C=c, max_iter=3000, class_weight="balanced" if balanced else None, solver=solver, random_state=SEED
    )


def fit_head(spec: HeadSpec, data: SplitData) -> Head:
    """Fit encoder-side and word-side models, then a stacker on their out-of-fold scores (no leakage)."""
    assert data.words is not None
    y, w = data.labels, data.weights
    n_classes = int(y.max()) + 1
    k = 1 if n_classes == 2 else n_classes
    enc = data.enc_idx
    in_enc = np.full(len(y), -1)
    in_enc[enc] = np.arange(len(enc))
    oof = np.zeros((len(enc), 2 * k))
    word_solver = "liblinear" if k == 1 else "lbfgs"
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=SEED)
    for tr_idx, te_idx in folds.split(np.zeros(len(y)), y):
        tr_enc = in_enc[tr_idx][in_enc[tr_idx] >= 0]
        te_rows = te_idx[in_enc[te_idx] >= 0]
        te_enc = in_enc[te_rows]
        e = _lr(spec.emb_c, spec.balanced).fit(data.vectors[tr_enc], y[enc[tr_enc]], sample_weight=w[enc[tr_enc]])
        v = _lr(spec.word_c, spec.balanced, word_solver).fit(
            data.words[tr_idx], y[tr_idx], sample_weight=w[tr_idx]
        )
        oof[te_enc] = np.hstack([_scores(e, data.vectors[te_enc]), _scores(v, data.words[te_rows])])
    stack = _lr(1.0, spec.balanced).fit(oof, y[enc], sample_weight=w[enc])
    emb = _lr(spec.emb_c, spec.balanced).fit(data.vectors, y[enc], sample_weight=w[enc])
    word = _lr(spec.word_c, spec.balanced, word_solver).fit(data.words, y, sample_weight=w)
    classes = [str(c) for c in _scheme(*spec.sources[0]).classes]
    prior_shift = spec.logit_shift
    if spec.chat_rate is not None and k == 1:
        train_rate = float(np.average(y, weights=w))
        prior_shift = _logit(spec.chat_rate) - _logit(train_rate)
    return Head(
        name=spec.name,
        classes=classes,
        emb_w=emb.coef_.astype(np.float32),
        emb_b=emb.intercept_.astype(np.float32),
        word_w=word.coef_.astype(np.float32),
        word_b=word.intercept_.astype(np.float32),
        stack_w=stack.coef_.astype(np.float32),
        stack_b=stack.intercept_.astype(np.float32),
        prior_shift=prior_shift,
        info={"train_rows": len(y), "encoded_rows": len(enc), "sources": [f"{d}/{h}" for d, h in spec.sources]},
    )


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def choose_threshold(spec: HeadSpec, head: Head, dev: SplitData) -> tuple[float | None, dict[str, float]]:
    """Pick the binary decision threshold on dev; for chat-rate heads, dev is reweighted to that rate."""
    assert dev.words is not None
    p = head.probabilities(dev.vectors, dev.words)
    y = dev.labels
    if not head.binary:
        if spec.balanced:
            tune_class_bias(head, dev, per_source=spec.per_source, neutral_floor=spec.neutral_floor)
            p = head.probabilities(dev.vectors, dev.words)
        pred = p.argmax(axis=1)
        out_multi = {
            "macro_recall": float(recall_score(y, pred, average="macro")),
            "macro_f1": float(f1_score(y, pred, average="macro")),
        }
        if spec.alert_precision is not None:  # class 0 (e.g. negative sentiment) as the alerting class
            out_multi["alert_threshold"] = _precision_threshold(
                (y == 0).astype(int), p[:, 0], spec.alert_precision
            )
        return None, out_multi
    weights = np.ones(len(y))
    if spec.chat_rate is not None and 0 < y.mean() < 1:
        pos = y.sum()
        weights[y == 0] = pos * (1 - spec.chat_rate) / spec.chat_rate / (len(y) - pos)
    metric: Callable[[np.ndarray], float]
    if spec.threshold_metric == "macro_f1":
        metric = lambda pred: float(f1_score(y, pred, average="macro", sample_weight=weights))  # noqa: E731
    elif spec.threshold_metric == "accuracy":
        metric = lambda pred: float(np.average(pred == y, weights=weights))  # noqa: E731
    else:
        metric = lambda pred: float(f1_score(y, pred, sample_weight=weights, zero_division=0))  # noqa: E731
    grid = np.unique(np.round(np.quantile(p, np.linspace(0.01, 0.99, 197)), 4))
    best_t, best = 0.5, -1.0
    for t in grid:
        value = metric((p >= t).astype(int))
        if value > best:
            best_t, best = float(t), value
    out = {spec.threshold_metric: best, "at_0.5": metric((p >= 0.5).astype(int))}
    if spec.alert_precision is not None:
        out["alert_threshold"] = _precision_threshold(y, p, spec.alert_precision, weights)
    if 0 < y.mean() < 1:
        out["roc_auc"] = float(roc_auc_score(y, p))
    return round(best_t, 4), out


def _precision_threshold(y: np.ndarray, p: np.ndarray, target: float, weights: np.ndarray | None = None) -> float:
    """The lowest threshold whose precision on dev reaches ``target`` (alerts people can trust)."""
    w = np.ones(len(y)) if weights is None else weights
    for t in np.unique(np.round(np.quantile(p, np.linspace(0.0, 0.995, 400)), 4)):
        chosen = p >= t
        if chosen.any() and float(np.average(y[chosen], weights=w[chosen])) >= target:
            return round(float(t), 4)
    return round(float(p.max()), 4)


def tune_class_bias(
    head: Head,
    dev: SplitData,
    step: float = 0.1,
    span: float = 1.0,
    *,
    per_source: bool = False,
    neutral_floor: float | None = None,
) -> None:
    """Shift class logits (first and last class; the middle one fixed) to maximise dev macro recall.

    Balanced class weights already aim at macro recall; this corrects the remaining bias of the training mix.
    ``per_source``: the mean of each dev source's macro recall (a large source must not decide alone);
    ``neutral_floor``: each source's recall of the middle class below it is subtracted from that mean.
    """
    assert dev.words is not None
    z = head.component_scores(dev.vectors, dev.words) @ head.stack_w.T + head.stack_b
    y = dev.labels
    sources = np.asarray(dev.sources) if per_source and dev.sources else np.zeros(len(y), dtype=str)
    groups = [np.flatnonzero(sources == name) for name in sorted(set(sources.tolist()))]
    middle = [z.shape[1] // 2]
    grid = np.arange(-span, span + 1e-9, step)
    best, best_bias = -np.inf, np.zeros(z.shape[1])
    for a in grid:
        for b in grid:
            bias = np.zeros(z.shape[1])
            bias[0], bias[-1] = a, b
            pred = (z + bias).argmax(axis=1)
            value = 0.0
            for rows in groups:
                value += float(recall_score(y[rows], pred[rows], average="macro")) / len(groups)
                if neutral_floor is not None:
                    got = float(recall_score(y[rows], pred[rows], labels=middle, average="macro", zero_division=0))
                    value -= max(0.0, neutral_floor - got)
            if value > best + 1e-9:
                best, best_bias = value, bias
    head.stack_b = (head.stack_b + best_bias).astype(np.float32)
    head.info["class_bias"] = [round(float(v), 2) for v in best_bias]

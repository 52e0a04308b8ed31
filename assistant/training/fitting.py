"""Fitting one head and choosing its thresholds: encoder-side and word-side logistic regressions stacked on
out-of-fold scores, the dev threshold (or alert threshold) per ``HeadSpec``, and the class-bias tuning of
multi-class heads. Deterministic (``SEED``); ``train.Trainer`` feeds it the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from assistant.judgments.heads import Head
from assistant.training.datasets import scheme
from assistant.training.specs import HeadSpec

SEED = 13


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
    classes = [str(c) for c in scheme(*spec.sources[0]).classes]
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

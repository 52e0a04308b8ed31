"""Evaluation of every judgment on the public datasets, with each shared task's official metric.

Each dataset is read with the same label scheme the engine's head was trained on
(``assistant.training.datasets``) and scored through ``JudgmentEngine.scores`` — the numbers ``judge``
reports — with the decision thresholds shipped in the artifacts (chosen on dev). Davidson reports ROC-AUC as
``value`` and its macro-F1 in ``extra`` (with the baselines' macro-F1 next to it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, recall_score, roc_auc_score

from assistant.training.datasets import CHAT_SENTIMENT_SETS, INCIVILITY
from evals import baselines
from evals.harness import EvalResult, EvalTask, register, rounded

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JudgmentEval:
    """Which engine field answers which dataset, and how the shared task scores it."""

    dataset: str
    scheme_head: str
    task: str
    field: str
    threshold_head: str | None
    metric: str
    baselines: tuple[str, ...] = ("tfidf_lr",)


EVALS: tuple[JudgmentEval, ...] = (
    JudgmentEval(
        "olid_offenseval2019",
        "offensive",
        "toxicity",
        "toxicity.offensive",
        "offensive",
        "macro_f1",
        ("tfidf_lr", "profanity_check"),
    ),
    JudgmentEval(
        "davidson_hate_offensive",
        "toxic",
        "toxicity",
        "toxicity.profanity",
        "profanity",
        "roc_auc",
        ("tfidf_lr", "profanity_check"),
    ),
    JudgmentEval(
        "hateval2019_tweeteval",
        "hate_group",
        "toxicity",
        "toxicity.hate",
        "hate",
        "macro_f1",
        ("tfidf_lr", "profanity_check"),
    ),
    JudgmentEval(
        "toxichat_reddit_threads",
        "toxic_thread",
        "toxicity",
        "toxicity",
        "toxic",
        "f1_offensive",
        ("tfidf_lr", "profanity_check"),
    ),
    JudgmentEval(
        "constraint2021_covid_fakenews",
        "misinfo_social",
        "misinformation",
        "misinformation.model",
        "misinfo_social",
        "weighted_f1",
    ),
    JudgmentEval(
        "liar_politifact",
        "misinfo_claim",
        "misinformation",
        "misinformation.political_claim",
        "misinfo_claim",
        "accuracy",
    ),
    JudgmentEval(
        "climate_fever",
        "misinfo_climate",
        "misinformation",
        "misinformation.climate_claim",
        "misinfo_climate",
        "macro_f1",
    ),
    JudgmentEval(
        "semeval2017_task4a_twitter_sentiment",
        "sentiment",
        "sentiment",
        "sentiment",
        None,
        "macro_recall",
        ("tfidf_lr", "vader"),
    ),
    *(
        JudgmentEval(name, "sentiment", "sentiment", "sentiment", None, "macro_recall", ("tfidf_lr", "vader"))
        for name in CHAT_SENTIMENT_SETS
    ),
    # conversational toxicity: ROC-AUC of the main score, F1 at the default alert threshold in ``extra``
    *(
        JudgmentEval(name, head, "toxicity", "toxicity", None, "roc_auc_alert", ("tfidf_lr", "profanity_check"))
        for name, head in (
            ("conda_game_chat", "toxic_chat"),
            ("convabuse", "toxic_chat"),
            ("unhealthy_comments", "unhealthy"),
        )
    ),
    *(
        JudgmentEval("unhealthy_comments", name, "toxicity", f"toxicity.{name}", None, "roc_auc", ("tfidf_lr",))
        for name in INCIVILITY
    ),
    JudgmentEval("semeval2019_task9_suggestions", "want", "want", "want", "want", "f1_suggestion"),
    JudgmentEval(
        "app_review_intents_panichella2015",
        "want_review",
        "want",
        "head.want_review",
        "want_review",
        "f1_feature_request",
    ),
)


def _binary_metric(name: str) -> Callable[[np.ndarray, np.ndarray], float]:
    if name in ("macro_f1",):
        return lambda y, p: float(f1_score(y, p, average="macro"))
    if name == "weighted_f1":
        return lambda y, p: float(f1_score(y, p, average="weighted"))
    if name == "accuracy":
        return lambda y, p: float(accuracy_score(y, p))
    return lambda y, p: float(f1_score(y, p, zero_division=0))  # f1 of the positive class


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    return float(roc_auc_score(y, p)) if 0 < y.mean() < 1 else float("nan")


def score_binary(
    spec: JudgmentEval, y: np.ndarray, prob: np.ndarray, threshold: float
) -> tuple[float, dict[str, Any]]:
    pred = (prob >= threshold).astype(int)
    extra: dict[str, Any] = {"threshold": threshold}
    if spec.metric == "roc_auc_alert":
        extra["f1"] = float(f1_score(y, pred, zero_division=0))
        return _auc(y, prob), extra
    if spec.metric == "roc_auc":
        extra["macro_f1"] = float(f1_score(y, pred, average="macro"))
        return _auc(y, prob), extra
    extra["roc_auc"] = _auc(y, prob)
    return _binary_metric(spec.metric)(y, pred), extra


def run_eval(spec: JudgmentEval, folder: Path, split: str, ctx: Any) -> list[EvalResult]:
    from assistant.training.cache import encode_cached
    from assistant.training.datasets import scheme

    s = scheme(spec.dataset, spec.scheme_head)
    root = folder.parent
    if not s.available(root, split):
        logger.warning("%s has no %s split for this task; skipped", spec.dataset, split)
        return []
    data = s.load(root, split)
    if not len(data):
        return []
    engine = ctx.judge
    vectors = encode_cached(ctx.encoder, data.texts, ctx.settings.cache_dir)
    scores = engine.scores(data.texts, vectors)[spec.field]
    y = np.asarray(data.labels)
    base_scores: dict[str, np.ndarray] = {}
    train = s.load(root, "train") if split != "train" and s.available(root, "train") else None
    if "tfidf_lr" in spec.baselines and train is not None and len(set(train.labels)) > 1:
        base_scores["tfidf_lr"] = baselines.tfidf_lr(train.texts, train.labels, data.texts)
    if "profanity_check" in spec.baselines:
        base_scores["profanity_check"] = baselines.profanity_check(data.texts)
    if "vader" in spec.baselines:
        base_scores["vader"] = baselines.vader(data.texts)

    base_values: dict[str, float] = {}
    extra: dict[str, Any] = {"field": spec.field}
    if spec.metric == "macro_recall":
        value = float(recall_score(y, scores.argmax(axis=1), average="macro"))
        extra["neutral_recall"] = _class_recall(y, scores.argmax(axis=1), 1)
        base_neutral: dict[str, float] = {}
        for name, b in base_scores.items():
            pred = b if b.ndim == 1 else b.argmax(axis=1)
            base_values[name] = float(recall_score(y, pred, average="macro"))
            base_neutral[name] = _class_recall(y, pred, 1)
        extra["baselines_neutral_recall"] = base_neutral
    else:
        if spec.metric == "roc_auc_alert":  # the alert threshold moderators get by default
            threshold = float(ctx.settings.threshold(spec.task))
        else:
            threshold = float(engine.heads.thresholds.get(spec.threshold_head or "", 0.5))
        value, extra_ours = score_binary(spec, y, scores, threshold)
        extra.update(extra_ours)
        base_f1: dict[str, float] = {}
        for name, b in base_scores.items():
            prob = b[:, 1] if b.ndim == 2 else b
            base_values[name], extra_base = score_binary(spec, y, prob, 0.5)
            if "macro_f1" in extra_base and spec.metric == "roc_auc":
                base_f1[name] = extra_base["macro_f1"]
            if "f1" in extra_base and spec.metric == "roc_auc_alert":
                base_f1[name] = extra_base["f1"]
        if base_f1:
            extra["baselines_f1" if spec.metric == "roc_auc_alert" else "baselines_macro_f1"] = base_f1
        if spec.dataset == "semeval2019_task9_suggestions" and 0 < y.mean() < 1:
            extra["f1_at_10pct_base_rate"] = _reweighted_f1(y, (scores >= threshold).astype(int), 0.10)
            extra["baselines_f1_at_10pct_base_rate"] = {
                name: _reweighted_f1(y, ((b[:, 1] if b.ndim == 2 else b) >= 0.5).astype(int), 0.10)
                for name, b in base_scores.items()
            }
    return [
        EvalResult(
            dataset=spec.dataset,
            task=spec.task,
            metric=spec.metric,
            value=round(value, 4),
            baselines={k: round(v, 4) for k, v in base_values.items()},
            n=len(data),
            extra=rounded(extra),
        )
    ]


def _class_recall(y: np.ndarray, pred: np.ndarray, label: int) -> float:
    return float(recall_score(y, pred, labels=[label], average="macro", zero_division=0))


def _reweighted_f1(y: np.ndarray, pred: np.ndarray, rate: float) -> float:
    """F1 as if negatives were (1 - rate) / rate times as common as positives (realistic forum base rate)."""
    w = np.ones(len(y))
    pos = y.sum()
    w[y == 0] = pos * (1 - rate) / rate / max(1, (len(y) - pos))
    return float(f1_score(y, pred, sample_weight=w, zero_division=0))


for _spec in EVALS:
    register(EvalTask(dataset=_spec.dataset, task=f"{_spec.task}:{_spec.field}", run=partial(run_eval, _spec)))

"""Readers for the public labelled datasets, by folder name and split, mapped onto our judgment labels.

Training and evaluation read the same definitions, so a head is always evaluated on the label scheme it
was trained for. Files follow the data root's convention: ``<split>.csv`` or ``<split>_utterances.csv``.
"""

from __future__ import annotations

import csv
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

csv.field_size_limit(10_000_000)

Row = dict[str, str]


@dataclass(frozen=True)
class LabelledSet:
    """Texts with integer labels (``-1`` = not labelled for this scheme, dropped on load)."""

    texts: list[str]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Scheme:
    """One dataset read as one classification problem for one head of the engine.

    ``head`` names the engine output that is trained and evaluated on it; ``classes`` are the label names in
    index order; ``label`` maps a CSV row to a class index (or -1 to skip the row).
    """

    dataset: str
    head: str
    classes: tuple[str, ...]
    label: Callable[[Row], int]
    file_suffix: str = ""
    max_train_rows: int | None = None  # a fixed-seed sample of very large training sets (linear heads saturate)

    def path(self, root: Path, split: str) -> Path:
        return root / self.dataset / f"{split}{self.file_suffix}.csv"

    def available(self, root: Path, split: str) -> bool:
        return self.path(root, split).exists()

    def load(self, root: Path, split: str) -> LabelledSet:
        path = self.path(root, split)
        texts: list[str] = []
        labels: list[int] = []
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                y = self.label(row)
                text = (row.get("text") or "").strip()
                if y < 0 or not text:
                    continue
                texts.append(text)
                labels.append(y)
        if split == "train" and self.max_train_rows and len(texts) > self.max_train_rows:
            keep = sorted(random.Random(13).sample(range(len(texts)), self.max_train_rows))
            texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
        logger.info("%s/%s: %d rows", self.dataset, path.name, len(texts))
        return LabelledSet(texts, labels)


def _binary(column: str, positive: set[str], negative: set[str] | None = None) -> Callable[[Row], int]:
    def f(row: Row) -> int:
        value = (row.get(column) or "").strip()
        if value in positive:
            return 1
        if negative is None or value in negative:
            return 0
        return -1

    return f


def _constant(value: int) -> Callable[[Row], int]:
    return lambda row: value


def _classes(column: str, names: tuple[str, ...]) -> Callable[[Row], int]:
    def f(row: Row) -> int:
        value = (row.get(column) or "").strip()
        return names.index(value) if value in names else -1

    return f


SENTIMENT_CLASSES = ("negative", "neutral", "positive")

#: Every (dataset, head) pair the engine is trained on. Heads sharing a name are trained on the union.
SCHEMES: tuple[Scheme, ...] = (
    # toxicity: the main score is "toxic" (offensive or hateful), categories are narrower heads
    Scheme(
        "davidson_hate_offensive",
        "toxic",
        ("neither", "toxic"),
        _binary("label", {"hate_speech", "offensive_language"}, {"neither"}),
    ),
    Scheme("davidson_hate_offensive", "hate", ("other", "hate"), _binary("label", {"hate_speech"})),
    Scheme("olid_offenseval2019", "offensive", ("NOT", "OFF"), _binary("subtask_a", {"OFF"}, {"NOT"})),
    Scheme("olid_offenseval2019", "insult", ("other", "targeted_insult"), _binary("subtask_b", {"TIN"})),
    Scheme("olid_offenseval2019", "harassment", ("other", "targeted_individual"), _binary("subtask_c", {"IND"})),
    Scheme("hateval2019_tweeteval", "hate_group", ("not_hate", "hate"), _binary("label", {"hate"}, {"not_hate"})),
    Scheme(
        "toxichat_reddit_threads",
        "toxic_thread",
        ("Safe", "Offensive"),
        _binary("label", {"Offensive"}, {"Safe"}),
        file_suffix="_utterances",
    ),
    # misinformation
    Scheme(
        "constraint2021_covid_fakenews", "misinfo_social", ("real", "fake"), _binary("label", {"fake"}, {"real"})
    ),
    Scheme("liar_politifact", "misinfo_claim", ("true", "false"), _binary("label_binary", {"false"}, {"true"})),
    Scheme(
        "climate_fever", "misinfo_climate", ("SUPPORTS", "REFUTES"), _binary("label", {"REFUTES"}, {"SUPPORTS"})
    ),
    # sentiment
    Scheme(
        "semeval2017_task4a_twitter_sentiment",
        "sentiment",
        SENTIMENT_CLASSES,
        _classes("label", SENTIMENT_CLASSES),
        max_train_rows=24000,
    ),
    # wants
    Scheme(
        "semeval2019_task9_suggestions",
        "want",
        ("non_suggestion", "suggestion"),
        _binary("label", {"suggestion"}, {"non_suggestion"}),
    ),
    Scheme("constraint2021_covid_fakenews", "claimlike", ("chat", "claim"), _constant(1)),
    # ordinary conversation as negatives for heads whose training data has no chat at all (weak labels:
    # tweets, forum and app-review sentences are not misinformation-like posts)
    Scheme(
        "semeval2017_task4a_twitter_sentiment",
        "chat_negative",
        ("chat", "unused"),
        _constant(0),
        max_train_rows=24000,
    ),
    Scheme("semeval2019_task9_suggestions", "chat_negative", ("chat", "unused"), _constant(0)),
    Scheme("app_review_intents_panichella2015", "chat_negative", ("chat", "unused"), _constant(0)),
    Scheme(
        "app_review_intents_panichella2015",
        "want_review",
        ("other", "feature_request"),
        _binary("label", {"feature_request"}),
    ),
)


#: Training rows per dataset that also get encoder vectors (a fixed-seed sample of the rows the encoder was not
#: fine-tuned on; the word side of every head reads all rows). Bounded so a retrain encodes ~35k texts (about two
#: minutes on an idle 2-core CPU). Datasets not listed are encoded in full.
ENCODE_ROWS: dict[str, int] = {
    "olid_offenseval2019": 4000,
    "semeval2019_task9_suggestions": 3500,
    "constraint2021_covid_fakenews": 3000,
    "semeval2017_task4a_twitter_sentiment": 8000,
    "davidson_hate_offensive": 5000,
    "hateval2019_tweeteval": 4000,
    "toxichat_reddit_threads": 3000,
    "liar_politifact": 4000,
}


def scheme(dataset: str, head: str) -> Scheme:
    for s in SCHEMES:
        if s.dataset == dataset and s.head == head:
            return s
    raise KeyError(f"{dataset}/{head}")

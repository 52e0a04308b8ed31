"""Readers for the public labelled datasets, by folder name and split, mapped onto our judgment labels.

Training and evaluation read the same definitions, so a head is always evaluated on the label scheme it
was trained for. Files follow the data root's convention: ``<split>.csv`` or ``<split>_utterances.csv``.
"""

from __future__ import annotations

import csv
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

csv.field_size_limit(10_000_000)

Row = dict[str, str]


@dataclass(frozen=True)
class LabelledSet:
    """Texts with integer labels (``-1`` = not labelled for this scheme, dropped on load).

    ``ids`` name each row in its file: the dataset's own ``id`` column, else ``#<row number>`` (0-based data
    row), so a training run can record exactly which rows it read.
    """

    texts: list[str]
    labels: list[int]
    ids: list[str] = field(default_factory=list)

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

    def load(self, root: Path, split: str, *, capped: bool = True) -> LabelledSet:
        """The split's labelled rows; ``capped`` applies ``max_train_rows`` to the training split."""
        path = self.path(root, split)
        texts: list[str] = []
        labels: list[int] = []
        ids: list[str] = []
        seen: set[str] = set()
        with path.open(encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh)):
                y = self.label(row)
                text = (row.get("text") or "").strip()
                if y < 0 or not text:
                    continue
                texts.append(text)
                labels.append(y)
                row_id = (row.get("id") or "").strip()
                ids.append(row_id if row_id and row_id not in seen else f"#{n}")  # a repeated id: the row number
                seen.add(row_id)
        if capped and split == "train" and self.max_train_rows and len(texts) > self.max_train_rows:
            keep = sorted(random.Random(13).sample(range(len(texts)), self.max_train_rows))
            texts, labels, ids = [texts[i] for i in keep], [labels[i] for i in keep], [ids[i] for i in keep]
        logger.info("%s/%s: %d rows", self.dataset, path.name, len(texts))
        return LabelledSet(texts, labels, ids)


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


def _mapped(column: str, mapping: dict[str, int]) -> Callable[[Row], int]:
    """A column's values mapped to class indices; values not in ``mapping`` are skipped."""

    def f(row: Row) -> int:
        return mapping.get((row.get(column) or "").strip(), -1)

    return f


SENTIMENT_CLASSES = ("negative", "neutral", "positive")
#: DailyDialog's emotions as sentiment: "surprise" can go either way, so it is left out (as GoEmotions'
#: "ambiguous" group and its "mixed" comments are).
DAILYDIALOG_SENTIMENT = {
    "neutral": 1,
    "happiness": 2,
    "anger": 0,
    "disgust": 0,
    "fear": 0,
    "sadness": 0,
}
#: The conversational sentiment sets (chat, comments, dialogue and developer posts), read as 3-way sentiment.
CHAT_SENTIMENT_SETS = (
    "goemotions_reddit",
    "meld_dialogue_sentiment",
    "dailydialog",
    "senti4sd_stackoverflow",
)
#: Incivility categories of the Unhealthy Comments corpus that moderators ask for beyond swearing.
INCIVILITY = ("hostile", "condescending", "dismissive")

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
    # conversation: sentiment with a real neutral class
    Scheme("goemotions_reddit", "sentiment", SENTIMENT_CLASSES, _classes("sentiment", SENTIMENT_CLASSES)),
    Scheme("meld_dialogue_sentiment", "sentiment", SENTIMENT_CLASSES, _classes("label", SENTIMENT_CLASSES)),
    Scheme(
        "dailydialog",
        "sentiment",
        SENTIMENT_CLASSES,
        _mapped("label", DAILYDIALOG_SENTIMENT),
        max_train_rows=30000,
    ),
    Scheme("senti4sd_stackoverflow", "sentiment", SENTIMENT_CLASSES, _classes("label", SENTIMENT_CLASSES)),
    # conversation: toxicity in game chat, abuse towards a chat agent, unhealthy (uncivil) comments
    Scheme(
        "conda_game_chat",
        "toxic_chat",
        ("not_toxic", "toxic"),
        _binary("label_binary", {"toxic"}, {"not_toxic"}),
    ),
    Scheme("convabuse", "toxic_chat", ("not_abusive", "abusive"), _binary("label", {"abusive"}, {"not_abusive"})),
    Scheme(
        "unhealthy_comments", "unhealthy", ("healthy", "unhealthy"), _binary("label", {"unhealthy"}, {"healthy"})
    ),
    *(Scheme("unhealthy_comments", name, ("other", name), _binary(name, {"1"}, {"0"})) for name in INCIVILITY),
    # ordinary dialogue as clean chat for the toxicity heads (weak labels: everyday and TV dialogue), and, with
    # the tweets, for the register gate that tells tweets from conversation (which sentiment head to trust)
    Scheme(
        "semeval2017_task4a_twitter_sentiment", "register", ("chat", "tweet"), _constant(1), max_train_rows=24000
    ),
    Scheme("goemotions_reddit", "chat_negative", ("chat", "unused"), _constant(0)),
    Scheme("dailydialog", "chat_negative", ("chat", "unused"), _constant(0), max_train_rows=12000),
    Scheme("meld_dialogue_sentiment", "chat_negative", ("chat", "unused"), _constant(0)),
    Scheme("senti4sd_stackoverflow", "chat_negative", ("chat", "unused"), _constant(0)),
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
    "goemotions_reddit": 12000,
    "dailydialog": 6000,
    "meld_dialogue_sentiment": 6000,
    "conda_game_chat": 8000,
}


def scheme(dataset: str, head: str) -> Scheme:
    for s in SCHEMES:
        if s.dataset == dataset and s.head == head:
            return s
    raise KeyError(f"{dataset}/{head}")

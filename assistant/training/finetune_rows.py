"""What the encoder fine-tune learns from and what an adapter saw: the tasks (one per dataset), the fixed-seed
training rows, the row record written next to the adapter (``ROWS_FILE``) and the texts heads must not get
vectors for. Plain data and files, no torch: ``assistant train`` and the evals read it without training.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.training.datasets import SCHEMES, scheme

if TYPE_CHECKING:
    from assistant.encoder import Encoder

logger = logging.getLogger(__name__)

#: The exact training rows of the adapter, by dataset and row id (gzipped JSON), written next to it.
ROWS_FILE = "finetune_rows.json.gz"


@dataclass(frozen=True)
class Task:
    """One training objective: a classification head over the pooled vector, fed by one or more schemes."""

    name: str
    classes: int
    sources: tuple[tuple[str, str], ...]


#: One task per dataset (their label definitions differ; the engine's heads later combine them as they need).
TASKS: tuple[Task, ...] = (
    Task("davidson", 2, (("davidson_hate_offensive", "toxic"),)),
    Task("olid", 2, (("olid_offenseval2019", "offensive"),)),
    Task("toxichat", 2, (("toxichat_reddit_threads", "toxic_thread"),)),
    Task("hateval", 2, (("hateval2019_tweeteval", "hate_group"),)),
    Task("constraint", 2, (("constraint2021_covid_fakenews", "misinfo_social"),)),
    Task("liar", 2, (("liar_politifact", "misinfo_claim"),)),
    Task("sentiment", 3, (("semeval2017_task4a_twitter_sentiment", "sentiment"),)),
    Task("suggestion", 2, (("semeval2019_task9_suggestions", "want"),)),
    Task("app_review", 2, (("app_review_intents_panichella2015", "want_review"),)),
    # conversation: sentiment with a neutral class, toxicity in chat, incivility in comments
    Task("goemotions", 3, (("goemotions_reddit", "sentiment"),)),
    Task("meld", 3, (("meld_dialogue_sentiment", "sentiment"),)),
    Task("dailydialog", 3, (("dailydialog", "sentiment"),)),
    Task("senti4sd", 3, (("senti4sd_stackoverflow", "sentiment"),)),
    Task("conda", 2, (("conda_game_chat", "toxic_chat"),)),
    Task("convabuse", 2, (("convabuse", "toxic_chat"),)),
    Task("unhealthy", 2, (("unhealthy_comments", "unhealthy"),)),
)

#: Training rows per dataset and epoch (fixed-seed sample): the tasks with published targets get more.
ROWS_PER_SOURCE: dict[str, int] = {
    "olid_offenseval2019": 8000,
    "semeval2017_task4a_twitter_sentiment": 8000,
    "semeval2019_task9_suggestions": 6000,
    "constraint2021_covid_fakenews": 5000,
    "goemotions_reddit": 5000,
    "conda_game_chat": 4000,
    "unhealthy_comments": 4000,
}


@dataclass(frozen=True)
class Example:
    text: str
    task: int
    label: int
    dataset: str = ""
    row_id: str = ""


def load_examples(
    root: Path,
    tasks: Sequence[Task],
    split: str,
    cap: int | None,
    seed: int,
    caps: dict[str, int] | None = None,
) -> list[Example]:
    """Rows of every task's sources (a fixed-seed sample of at most ``cap``, or ``caps[dataset]`` for training)."""
    caps = ROWS_PER_SOURCE if caps is None else caps
    rng = random.Random(seed)
    out: list[Example] = []
    for ti, task in enumerate(tasks):
        for dataset, head in task.sources:
            s = scheme(dataset, head)
            if not s.available(root, split):
                logger.warning("%s has no %s split; skipped", dataset, split)
                continue
            data = s.load(root, split)
            idx = list(range(len(data)))
            limit = caps.get(dataset, cap) if split == "train" else cap
            if limit and len(idx) > limit:
                idx = sorted(rng.sample(idx, limit))
            out += [Example(data.texts[i], ti, data.labels[i], dataset, data.ids[i]) for i in idx]
    return out


def row_ids(examples: Sequence[Example]) -> dict[str, list[str]]:
    """The exact training rows, as each dataset's row ids (what ``ROWS_FILE`` records)."""
    out: dict[str, list[str]] = {}
    for e in examples:
        out.setdefault(e.dataset, []).append(e.row_id)
    return {k: sorted(set(v)) for k, v in sorted(out.items())}


def write_rows(path: Path, rows: dict[str, list[str]]) -> None:
    with gzip.GzipFile(path, "wb", mtime=0) as fh:  # the same rows give the same bytes
        fh.write(json.dumps(rows, sort_keys=True).encode("utf-8"))


def read_rows(path: Path) -> dict[str, list[str]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows: dict[str, list[str]] = json.load(fh)
    return rows


def texts_of_rows(root: Path, rows: dict[str, list[str]]) -> set[str]:
    """The texts of recorded training rows (looked up by id in each dataset's training file)."""
    out: set[str] = set()
    for dataset, ids in rows.items():
        s = next((s for s in SCHEMES if s.dataset == dataset), None)
        if s is None or not s.available(root, "train"):
            logger.warning("recorded training rows of %s cannot be read; skipped", dataset)
            continue
        wanted = set(ids)
        data = s.load(root, "train", capped=False)
        out |= {t for t, i in zip(data.texts, data.ids, strict=True) if i in wanted}
    return out


def seen_texts(root: Path, adapter: Path) -> set[str]:
    """The training texts an adapter was fine-tuned on: the rows recorded in its ``ROWS_FILE`` (an adapter
    from before that file existed: rebuilt from its saved config and seed).

    Heads fitted on the adapted vectors avoid these rows: the encoder has learnt their labels, so their
    vectors separate better than a new message's would and would mislead the stacker's weights.
    """
    if (adapter / ROWS_FILE).exists():
        return texts_of_rows(root, read_rows(adapter / ROWS_FILE))
    report = adapter / "finetune.json"
    if not report.exists():
        return set()
    saved = json.loads(report.read_text(encoding="utf-8")).get("config", {})
    names = set(saved.get("tasks") or [t.name for t in TASKS])
    tasks = [t for t in TASKS if t.name in names]
    caps = saved.get("rows_per_dataset")
    rows = load_examples(root, tasks, "train", saved.get("rows_per_source"), int(saved.get("seed", 13)), caps)
    return {e.text for e in rows}


def fine_tuned_rows(root: Path, encoder: Encoder, adapter: Path) -> set[str]:
    """The rows heads for ``encoder`` should not get vectors for: those its adapter was trained on (none for
    an encoder without the adapter)."""
    if not str(getattr(encoder, "version", "")).startswith("minilm-ft-"):
        return set()
    return seen_texts(root, adapter)

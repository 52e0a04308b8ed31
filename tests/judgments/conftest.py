"""Fixtures for the judgment engine tests: the shipped engine on a tmp data dir, and a tiny data root."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assistant.config import Settings, load_settings
from assistant.context import Context
from assistant.encoder import Encoder
from assistant.judgments import JudgmentEngine

# Our own short sentences (never copied from the research datasets).
OFFENSIVE = [
    "you are a stupid idiot",
    "shut up you worthless loser",
    "what a pathetic moron you are",
    "get lost you dumb clown",
    "nobody likes you, you ugly fool",
    "you are a disgusting piece of trash",
]
NOT_OFFENSIVE = [
    "thanks for sharing the slides",
    "see you at the meetup on friday",
    "the new release fixed my bug",
    "could you send me the link again",
    "lunch was great today",
    "I will review the document tonight",
]
POSITIVE = ["I love this community", "great job everyone", "this is wonderful news"]
NEUTRAL = ["the meeting is at noon", "the file is in the drive", "version two ships in may"]
NEGATIVE = ["this is terrible", "I hate waiting for the build", "worst day ever"]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


@pytest.fixture()
def data_root(tmp_path: Path) -> Path:
    """A tiny data root: OLID-shaped and SemEval-2017-shaped folders with train and dev splits."""
    root = tmp_path / "data-root"
    olid = [[str(i), t, "OFF", "OFF", "TIN", "IND"] for i, t in enumerate(OFFENSIVE)] + [
        [str(100 + i), t, "NOT", "NOT", "NULL", "NULL"] for i, t in enumerate(NOT_OFFENSIVE)
    ]
    header = ["id", "text", "label", "subtask_a", "subtask_b", "subtask_c"]
    write_csv(root / "olid_offenseval2019" / "train.csv", header, olid)
    write_csv(root / "olid_offenseval2019" / "dev.csv", header, olid[::2] + olid[1::2])
    senti = [
        [str(i), t, lab, "x.tsv"]
        for lab, ts in (("positive", POSITIVE), ("neutral", NEUTRAL), ("negative", NEGATIVE))
        for i, t in enumerate(ts)
    ]
    write_csv(
        root / "semeval2017_task4a_twitter_sentiment" / "train.csv", ["id", "text", "label", "source_file"], senti
    )
    write_csv(
        root / "semeval2017_task4a_twitter_sentiment" / "dev.csv", ["id", "text", "label", "source_file"], senti
    )
    return root


@pytest.fixture()
def judge_settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")


@pytest.fixture()
def jctx(judge_settings: Settings, encoder: Encoder) -> Context:
    context = Context(judge_settings, encoder=encoder)
    yield context
    context.close()


@pytest.fixture()
def engine(jctx: Context) -> JudgmentEngine:
    judge = jctx.judge
    assert isinstance(judge, JudgmentEngine)
    return judge

"""Can the sentiment head tell the sample workspace's channel moods apart? Variants of the head, side by side.

The sample workspace's known November moods (``knowledge/sample_workspace_answers.json``) need a sentiment head
that recognises a neutral chat notice: #general (notices, a phishing warning, a board-game plan) is known to be
"neutral", #design (praise and frustration) "mixed". The only sentiment data offline are SemEval-2017 tweets.
This eval retrains the sentiment head in a few ways on the shipped encoder and reports, for each, the SemEval
dev figures (macro recall and per-class recall) and the mood word ``insights.metrics.mood_of`` gives each
sample channel for November, against the known answers:

- ``shipped``: the bundled head, as the engine judges the ingested sample;
- ``more_rows``: encoder vectors for all 24k sampled training tweets (the bundled head has 8k);
- ``chat_neutral``: plus 3,000 messages without emoticons from the real chat exports as weak "neutral" rows;
- ``unbalanced``: no class weights and no dev class-bias tuning (the tweet prior, more neutral answers).

    python -m evals.mood_sentiment [--data-root ../shared/data] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import recall_score

from assistant.config import load_settings
from assistant.context import Context
from assistant.demo import sample_workspace_dir
from assistant.encoder import BUNDLED_ADAPTER
from assistant.ingest.slack_export import read_export
from assistant.insights.metrics import mood_of
from assistant.judgments.heads import WordFeatures
from assistant.training.finetune import fine_tuned_rows
from assistant.training.train import HEAD_SPECS, SplitData, Trainer, choose_threshold, fit_head

logger = logging.getLogger(__name__)

DATASET = "semeval2017_task4a_twitter_sentiment"
LABELS = ("negative", "neutral", "positive")
MONTH_START = datetime(2026, 11, 1, tzinfo=UTC)
CHAT_EXPORTS = ("slack_qa_chats_disentangled", "irc_disentanglement", "slack_houstondatavis")
CHAT_NEUTRAL_ROWS = 3000
#: Encoder vectors for every sampled training tweet (the sentiment scheme samples 24k rows).
ALL_ROWS = 24000
_EMOTICON = re.compile(r"(:-?[()D/]|;-?\)|:'\(|:[a-z_+-]+:|[\U0001F300-\U0001FAFF\u2600-\u27BF])")


def chat_neutral_texts(root: Path, n: int) -> list[str]:
    """Messages of the real chat exports with no emoticon or emoji (weak "neutral" labels), fixed-seed sample."""
    texts: list[str] = []
    for name in CHAT_EXPORTS:
        if (root / name).is_dir():
            texts += [
                m.text
                for m in read_export(root / name).messages
                if m.is_human and len(m.text.split()) >= 3 and len(m.text) <= 400 and not _EMOTICON.search(m.text)
            ]
    random.Random(0).shuffle(texts)
    return texts[:n]


def _with_rows(data: SplitData, texts: list[str], label: int, vectors: np.ndarray) -> SplitData:
    start = len(data.texts)
    return SplitData(
        data.texts + texts,
        np.concatenate([data.labels, np.full(len(texts), label)]),
        np.concatenate([data.weights, np.ones(len(texts))]),
        np.concatenate([data.enc_idx, np.arange(start, start + len(texts))]),
        np.vstack([data.vectors, vectors]),
    )


def _moods(counts: dict[str, Counter[str]]) -> dict[str, str]:
    return {
        ch: mood_of(c["positive"], c["negative"], sum(c.values())) for ch, c in sorted(counts.items()) if c.total()
    }


def run(data_root: Path) -> dict[str, Any]:
    known: dict[str, str] = json.loads(
        (Path(sample_workspace_dir()).parent / "sample_workspace_answers.json").read_text(encoding="utf-8")
    )["mood_november"]
    with tempfile.TemporaryDirectory(prefix="mood-eval-") as tmp:
        ctx = Context(load_settings(data_dir=Path(tmp), llm_provider="none"))
        try:
            ctx.pipeline.ingest_export(Path(sample_workspace_dir()))
            snap = ctx.insights.snapshot()
            month = {
                snap.channel_name(cid): [m for m in ms if m.time >= MONTH_START and snap.judgment(m) is not None]
                for cid, ms in snap.by_channel.items()
            }
            month = {ch: ms for ch, ms in month.items() if ch in known}
            shipped: dict[str, Counter[str]] = {
                ch: Counter(j.sentiment.label for m in ms if (j := snap.judgment(m)) is not None)
                for ch, ms in month.items()
            }
            keys = [m.key for ms in month.values() for m in ms]
            stored = ctx.insights.vectors(keys)
            sample = {
                ch: ([m.text for m in ms], np.stack([stored[m.key] for m in ms])) for ch, ms in month.items()
            }
            encoder = ctx.encoder
            trainer = Trainer(
                data_root,
                encoder,
                ctx.settings.cache_dir,
                exclude=fine_tuned_rows(data_root, encoder, BUNDLED_ADAPTER),
            )
            spec = next(s for s in HEAD_SPECS if s.name == "sentiment")
            shipped_dev = trainer.split(spec, "dev")
            assert shipped_dev is not None
            judge = ctx.judge
            dev_probs = judge.scores(shipped_dev.texts, shipped_dev.vectors)[
                "sentiment"
            ]  # negative/neutral/positive
            rows: dict[str, Any] = {
                "shipped": _row(shipped_dev.labels, dev_probs.argmax(axis=1), _moods(shipped), known)
            }
            more = Trainer(
                data_root, encoder, ctx.settings.cache_dir, max_train_rows=ALL_ROWS, exclude=trainer.exclude
            )
            train, dev = more.split(spec, "train"), more.split(spec, "dev")
            assert train is not None and dev is not None
            neutral = chat_neutral_texts(data_root, CHAT_NEUTRAL_ROWS)
            neutral_vectors = encoder.encode(neutral).vectors
            variants = {
                "more_rows": (spec, train),
                "chat_neutral": (spec, _with_rows(train, neutral, LABELS.index("neutral"), neutral_vectors)),
                "unbalanced": (replace(spec, balanced=False), train),
            }
            for name, (variant, data) in variants.items():
                words = WordFeatures.fit(sorted(set(data.texts)))
                data.words = words.transform(data.texts)
                dev.words = words.transform(dev.texts)
                head = fit_head(variant, data)
                choose_threshold(variant, head, dev)  # the dev class-bias tuning the shipped head had
                order = [head.classes.index(lab) for lab in LABELS]
                pred = head.probabilities(dev.vectors, dev.words)[:, order].argmax(axis=1)
                counts = {
                    ch: Counter(
                        LABELS[k]
                        for k in head.probabilities(vecs, words.transform(texts))[:, order].argmax(axis=1)
                    )
                    for ch, (texts, vecs) in sample.items()
                }
                rows[name] = _row(dev.labels, pred, _moods(counts), known, counts)
        finally:
            ctx.close()
    return {"known": known, "variants": rows}


def _row(
    y: np.ndarray,
    pred: np.ndarray,
    moods: dict[str, str],
    known: dict[str, str],
    counts: dict[str, Counter[str]] | None = None,
) -> dict[str, Any]:
    recalls = recall_score(y, pred, average=None, labels=[0, 1, 2])
    return {
        "dev_macro_recall": round(float(np.mean(recalls)), 4),
        "dev_recall": {lab: round(float(r), 3) for lab, r in zip(LABELS, recalls, strict=True)},
        "moods": moods,
        "right": sum(moods.get(ch) == mood for ch, mood in known.items()),
        "of": len(known),
        **({"labels": {ch: dict(c) for ch, c in counts.items()}} if counts else {}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-root", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--json", action="store_true", help="print only JSON on stdout")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    report = run(args.data_root)
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
        return 0
    print("known November moods: " + ", ".join(f"#{c} {m}" for c, m in sorted(report["known"].items())))
    for name, row in report["variants"].items():
        wrong = [f"#{c} {m}" for c, m in row["moods"].items() if report["known"].get(c) != m]
        print(
            f"{name:13s} dev macro recall {row['dev_macro_recall']:.3f} (neutral {row['dev_recall']['neutral']:.3f}); "
            f"moods right {row['right']}/{row['of']}" + (f"; wrong: {', '.join(wrong)}" if wrong else "")
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

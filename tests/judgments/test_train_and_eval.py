"""Training on a tiny data root, and the eval harness on it (missing datasets skipped with a note)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.context import Context
from assistant.judgments.heads import HeadSet
from assistant.training.train import HeadSpec, Trainer
from evals.harness import load_registry
from evals.runner import run_all


def test_trainer_fits_heads_with_dev_thresholds(data_root: Path, jctx: Context, tmp_path: Path) -> None:
    specs = (
        HeadSpec("offensive", (("olid_offenseval2019", "offensive"),), threshold_metric="macro_f1"),
        HeadSpec("sentiment", (("semeval2017_task4a_twitter_sentiment", "sentiment"),), balanced=True),
        HeadSpec("want", (("semeval2019_task9_suggestions", "want"),)),  # folder absent: skipped
    )
    trainer = Trainer(data_root, jctx.encoder, tmp_path / "cache")
    heads = trainer.train(specs, progress=False)
    assert set(heads.heads) == {"offensive", "sentiment"}
    assert 0.0 < heads.thresholds["offensive"] < 1.0
    heads.save(tmp_path / "out")
    again = Trainer(data_root, jctx.encoder, tmp_path / "cache").train(specs, progress=False)
    assert again.version == heads.version  # fixed seeds: the same data gives the same heads
    assert HeadSet.load(tmp_path / "out").version == heads.version
    assert list((tmp_path / "cache" / "vectors").rglob("shard-*.npz"))


def test_eval_runs_present_datasets_and_skips_missing(
    data_root: Path, jctx: Context, capsys: pytest.CaptureFixture[str]
) -> None:
    assert any(t.dataset == "olid_offenseval2019" for t in load_registry())
    results = run_all(
        jctx,
        data_root,
        "dev",
        only=["olid_offenseval2019", "semeval2017_task4a_twitter_sentiment", "davidson_hate_offensive"],
    )
    by_name = {r.dataset: r for r in results}
    assert set(by_name) == {"olid_offenseval2019", "semeval2017_task4a_twitter_sentiment"}
    olid = by_name["olid_offenseval2019"]
    assert olid.metric == "macro_f1" and olid.task == "toxicity" and olid.n == 12
    assert set(olid.baselines) == {"tfidf_lr", "profanity_check"}
    assert olid.value > 0.6  # the insults are obvious
    senti = by_name["semeval2017_task4a_twitter_sentiment"]
    assert senti.metric == "macro_recall" and set(senti.baselines) == {"tfidf_lr", "vader"}
    for r in results:
        assert 0.0 <= r.value <= 1.0
        json.dumps(r.model_dump(mode="json"))
    assert "davidson_hate_offensive" in capsys.readouterr().err

"""Training on a tiny data root, and the eval harness on it (missing datasets skipped with a note)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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


def test_a_retrain_reproduces_the_manifest_and_the_recorded_rows(
    data_root: Path, jctx: Context, tmp_path: Path
) -> None:
    """Every shipped head spec on the tiny root, twice: the same manifest (but for when and how long), the same
    heads, and the same recorded training rows, byte for byte."""
    import gzip

    from assistant.judgments.heads import ROWS_FILE
    from assistant.training.train import HEAD_SPECS

    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        Trainer(data_root, jctx.encoder, tmp_path / "cache").train(HEAD_SPECS, progress=False).save(out)
    manifests = [json.loads((out / "manifest.json").read_text()) for out in (first, second)]
    for m in manifests:
        m.pop("trained_at"), m.pop("train_seconds")
    assert manifests[0] == manifests[1]
    with np.load(first / "heads.npz") as a, np.load(second / "heads.npz") as b:
        assert a.files == b.files and all(np.array_equal(a[k], b[k]) for k in a.files)
    assert (first / ROWS_FILE).read_bytes() == (second / ROWS_FILE).read_bytes()
    rows = json.loads(gzip.decompress((first / ROWS_FILE).read_bytes()))
    assert rows["olid_offenseval2019/offensive/train"] == {"read": ["*"], "encoded": ["*"]}, (
        "every row, all encoded"
    )
    sampled = Trainer(data_root, jctx.encoder, tmp_path / "cache", max_train_rows=4)
    sampled.load("olid_offenseval2019", "offensive", "train")  # 4 of the 12 rows get vectors
    olid = sampled.rows()["olid_offenseval2019/offensive/train"]
    assert olid["read"] == ["*"] and len(olid["encoded"]) == 4
    assert set(olid["encoded"]) <= {str(i) for i in range(6)} | {str(100 + i) for i in range(6)}


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

"""The multi-task LoRA fine-tune on a tiny data root: it writes a small adapter the encoder merges at load,
records what it trained on, and heads refitted on the adapted vectors skip those rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.encoder import Encoder
from assistant.training.finetune import ADAPTER_WEIGHTS, FinetuneConfig, finetune, seen_texts
from assistant.training.train import Trainer

pytestmark = pytest.mark.model


def test_finetune_writes_a_loadable_adapter(data_root: Path, tmp_path: Path) -> None:
    cfg = FinetuneConfig(epochs=2, batch_size=8, tasks=("olid", "sentiment", "suggestion"))
    out = tmp_path / "adapter"
    report = finetune(data_root, out, cfg, encoder=Encoder(adapter=None, max_tokens=32), progress=False)
    assert (out / ADAPTER_WEIGHTS).stat().st_size < 1_000_000, "the shipped delta stays small"
    assert not (out / "README.md").exists()
    saved = json.loads((out / "finetune.json").read_text())
    assert saved["config"]["seed"] == 13 and report["train_rows"] == saved["train_rows"] > 0
    history = saved["dev_history"]
    assert history and {"olid", "sentiment"} <= set(history[-1]) and 0 <= history[-1]["olid"] <= 1
    assert "suggestion" not in history[-1], "a task whose folder is absent is skipped"

    adapted = Encoder(adapter=out)
    plain = Encoder(adapter=None)
    text = ["you are a complete idiot"]
    a, b = adapted.encode(text).vectors[0], plain.encode(text).vectors[0]
    assert adapted.version.startswith("minilm-ft-") and not np.allclose(a, b, atol=1e-4)
    assert float(a @ b) > 0.8, "the distillation term keeps vectors close to the original ones"

    seen = seen_texts(data_root, out)
    olid = Trainer(data_root, plain, tmp_path / "cache").load("olid_offenseval2019", "offensive", "train")
    assert olid is not None and set(olid.data.texts) <= seen, "the tiny OLID set was all fine-tuned on"


def test_trainer_gives_vectors_only_to_rows_the_encoder_did_not_learn(
    data_root: Path, tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.training.train as train_module

    texts = train_module.Trainer(data_root, encoder, tmp_path / "c").load(
        "olid_offenseval2019", "offensive", "train"
    )
    assert texts is not None
    seen = set(texts.data.texts[::2])
    monkeypatch.setattr(train_module, "MIN_FRESH_ROWS", 1)
    loaded = train_module.Trainer(data_root, encoder, tmp_path / "c", exclude=seen).load(
        "olid_offenseval2019", "offensive", "train"
    )
    assert loaded is not None and len(loaded.enc_idx) > 0
    assert not {loaded.data.texts[i] for i in loaded.enc_idx} & seen
    fallback = train_module.Trainer(data_root, encoder, tmp_path / "c", exclude=set(texts.data.texts))
    monkeypatch.setattr(train_module, "MIN_FRESH_ROWS", 500)
    everything = fallback.load("olid_offenseval2019", "offensive", "train")
    assert everything is not None and len(everything.enc_idx) == len(everything.data), "too few fresh rows: all"


def test_heads_refuse_an_encoder_they_were_not_trained_on(tmp_path: Path) -> None:
    import shutil

    from assistant.config import load_settings
    from assistant.errors import ModelError
    from assistant.judgments.engine import default_artifacts_dir, load_judge

    folder = tmp_path / "heads"
    shutil.copytree(default_artifacts_dir(), folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["encoder_version"] = "minilm-ft-0123456789"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    settings = load_settings(data_dir=tmp_path / "data", judgment_artifacts=folder)
    with pytest.raises(ModelError, match="assistant train"):
        load_judge(settings, None, encoder_version="")
    assert load_judge(settings, None, encoder_version="minilm-ft-0123456789-int8").heads.version


def test_finetune_resumes_from_its_checkpoint_to_the_same_adapter(data_root: Path, tmp_path: Path) -> None:
    """Stopped after 3 steps and run again, the fine-tune ends with the weights of an uninterrupted run, and
    records the exact training rows (by dataset and row id)."""
    from safetensors.numpy import load_file

    from assistant.training.finetune import CHECKPOINT, ROWS_FILE, read_rows

    cfg = FinetuneConfig(epochs=2, batch_size=4, tasks=("olid", "sentiment"), checkpoint_every=2)
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    finetune(data_root, straight, cfg, encoder=Encoder(adapter=None, max_tokens=32), progress=False)
    stopped = finetune(
        data_root, resumed, cfg, encoder=Encoder(adapter=None, max_tokens=32), progress=False, stop_after=3
    )
    assert stopped["stopped_at"] == 3 and (resumed / CHECKPOINT).exists()
    assert not (resumed / ADAPTER_WEIGHTS).exists()
    finetune(data_root, resumed, cfg, encoder=Encoder(adapter=None, max_tokens=32), progress=False)
    assert not (resumed / CHECKPOINT).exists(), "a finished run removes its checkpoint"
    a, b = load_file(str(straight / ADAPTER_WEIGHTS)), load_file(str(resumed / ADAPTER_WEIGHTS))
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_allclose(a[key].astype(np.float32), b[key].astype(np.float32), atol=2e-3)
    rows = read_rows(straight / ROWS_FILE)
    assert rows == read_rows(resumed / ROWS_FILE)
    assert rows["olid_offenseval2019"] == sorted(str(i) for i in [*range(6), *range(100, 106)])
    assert len(rows["semeval2017_task4a_twitter_sentiment"]) == 9
    assert (straight / ROWS_FILE).read_bytes() == (resumed / ROWS_FILE).read_bytes()
    assert seen_texts(data_root, straight) == seen_texts(data_root, resumed)

"""Swapping a bundled head for a configured local Hugging Face classifier (a tiny BERT built here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

from assistant.config import load_settings
from assistant.errors import ModelError
from assistant.judgments.engine import load_judge

WORDS = ["you", "are", "an", "idiot", "thanks", "for", "the", "help", "great", "work"]


def _tiny_model(folder: Path, labels: dict[int, str]) -> Path:
    folder.mkdir(parents=True)
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(WORDS) + 5,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=len(labels),
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    BertForSequenceClassification(config).eval().save_pretrained(folder)
    return folder


def _expected(folder: Path, text: str) -> np.ndarray:
    tok = BertTokenizer.from_pretrained(folder)
    model = BertForSequenceClassification.from_pretrained(folder).eval()
    with torch.inference_mode():
        return torch.softmax(model(**tok([text], return_tensors="pt")).logits, -1)[0].numpy()


def test_configured_model_replaces_the_toxicity_head(tmp_path: Path, jctx) -> None:  # type: ignore[no-untyped-def]
    folder = _tiny_model(tmp_path / "tiny-tox", {0: "LABEL_0", 1: "LABEL_1"})
    settings = load_settings(
        data_dir=jctx.settings.data_dir,
        head_models={"toxicity": str(folder)},
        head_label_maps={"toxicity": {"LABEL_0": "ok", "LABEL_1": "toxic"}},
    )
    engine = load_judge(settings, jctx.index, jctx.knowledge)
    assert str(folder) in engine.version
    text = "you are an idiot"
    [j] = engine.judge_texts([text])
    assert j.toxicity.score == pytest.approx(float(_expected(folder, text)[1]), abs=1e-3)
    assert "toxicity" in engine.scores([text], engine.encoder.encode([text]).vectors)  # type: ignore[union-attr]


def test_sentiment_swap_needs_a_label_mapping(tmp_path: Path, jctx) -> None:  # type: ignore[no-untyped-def]
    folder = _tiny_model(tmp_path / "tiny-senti", {0: "NEG", 1: "NEU", 2: "POS"})
    bad = load_settings(data_dir=jctx.settings.data_dir, head_models={"sentiment": str(folder)})
    with pytest.raises(ModelError, match="negative/neutral/positive"):
        load_judge(bad, jctx.index, jctx.knowledge)
    good = load_settings(
        data_dir=jctx.settings.data_dir,
        head_models={"sentiment": str(folder)},
        head_label_maps={"sentiment": {"NEG": "negative", "NEU": "neutral", "POS": "positive"}},
    )
    [j] = load_judge(good, jctx.index, jctx.knowledge).judge_texts(["great work"])
    expected = _expected(folder, "great work")
    assert j.sentiment.probs["positive"] == pytest.approx(float(expected[2]), abs=1e-3)


def test_missing_model_is_a_clear_error(tmp_path: Path, jctx) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(data_dir=jctx.settings.data_dir, head_models={"want": str(tmp_path / "nope")})
    with pytest.raises(ModelError, match="local files"):
        load_judge(settings, jctx.index, jctx.knowledge)

"""Artifact format: heads round-trip through plain files and give probabilities in range."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.judgments.heads import Head, HeadSet, WordFeatures

TEXTS = ["good morning all", "you idiot", "please add a dark mode", "thanks a lot", "the build is broken again"]


def _head(name: str, k: int, vocab: int, rng: np.random.Generator) -> Head:
    rows = 1 if k == 2 else k
    return Head(
        name=name,
        classes=[f"c{i}" for i in range(k)],
        emb_w=rng.normal(size=(rows, 8)).astype(np.float32),
        emb_b=rng.normal(size=rows).astype(np.float32),
        word_w=rng.normal(size=(rows, vocab)).astype(np.float32),
        word_b=rng.normal(size=rows).astype(np.float32),
        stack_w=rng.normal(size=(rows, 2 * rows)).astype(np.float32),
        stack_b=rng.normal(size=rows).astype(np.float32),
        prior_shift=-0.5 if k == 2 else 0.0,
    )


def test_head_set_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    words = WordFeatures.fit(TEXTS * 2, max_features=100)
    heads = {"toxic": _head("toxic", 2, words.size, rng), "sentiment": _head("sentiment", 3, words.size, rng)}
    original = HeadSet(version="v-test", words=words, heads=heads, thresholds={"toxic": 0.42})
    original.save(tmp_path)
    loaded = HeadSet.load(tmp_path)
    assert loaded.version == "v-test" and loaded.thresholds == {"toxic": 0.42}
    vectors = rng.normal(size=(len(TEXTS), 8)).astype(np.float32)
    for name in heads:
        a = original.heads[name].probabilities(vectors, original.words.transform(TEXTS))
        b = loaded.heads[name].probabilities(vectors, loaded.words.transform(TEXTS))
        np.testing.assert_allclose(a, b, atol=2e-3)  # word weights are stored as float16
    fused = loaded.probabilities(vectors, loaded.words.transform(TEXTS))
    for name in heads:
        np.testing.assert_allclose(
            fused[name], loaded.heads[name].probabilities(vectors, loaded.words.transform(TEXTS)), atol=1e-5
        )
    binary = loaded.heads["toxic"].probabilities(vectors, loaded.words.transform(TEXTS))
    assert binary.shape == (len(TEXTS),) and ((binary >= 0) & (binary <= 1)).all()
    multi = loaded.heads["sentiment"].probabilities(vectors, loaded.words.transform(TEXTS))
    assert multi.shape == (len(TEXTS), 3)
    np.testing.assert_allclose(multi.sum(axis=1), 1.0, atol=1e-5)


def test_shipped_artifacts_are_small() -> None:
    folder = Path(__file__).resolve().parents[2] / "assistant" / "artifacts"
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert 0 < total < 5 * 1024 * 1024


def test_fast_word_features_equal_scikit_learn_and_fused_heads_equal_each_head() -> None:
    from assistant.judgments.engine import default_artifacts_dir

    heads = HeadSet.load(default_artifacts_dir())
    texts = ["you idiot idiot idiot", "", "Could we get DARK MODE?? https://x.y @bob", "café naïve 👩‍💻", "zzzqq"]
    ours = heads.words.transform(texts)
    np.testing.assert_allclose(ours.toarray(), heads.words.vectorizer.transform(texts).toarray(), atol=1e-6)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(texts), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    fused = heads.probabilities(vectors, ours)
    for name, head in heads.heads.items():
        np.testing.assert_allclose(fused[name], head.probabilities(vectors, ours), atol=1e-5, err_msg=name)

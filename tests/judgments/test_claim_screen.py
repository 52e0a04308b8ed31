"""The nearest-claim screen (issue 18): with thousands of claims the per-message product reads a half-precision
copy, and the answer is still the exact float32 nearest cosine, repeats included."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.claims import screen as screen_module
from assistant.claims.matrix import ClaimMatrix
from assistant.claims.screen import REFINE_MARGIN, SCREEN_MIN_ROWS, HalfScreen


def _unit(rng: np.random.Generator, n: int, dim: int = 384) -> np.ndarray:
    m = rng.normal(size=(n, dim)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _matrix(claims: np.ndarray, repeats: np.ndarray | None = None) -> ClaimMatrix:
    n, dim = claims.shape
    blank = [""] * n
    return ClaimMatrix.build(
        ids=[f"c{i}" for i in range(n)],
        texts=[f"claim {i}" for i in range(n)],
        titles=blank,
        verdicts=["false"] * n,
        corrections=blank,
        source_urls=blank,
        refuted_by=blank,
        claims=claims,
        title_vectors=np.zeros((n, dim), dtype=np.float32),
        correction_vectors=np.zeros((n, dim), dtype=np.float32),
        repeat_vectors=repeats,
        repeat_rows=range(len(repeats)) if repeats is not None else (),
    )


def test_exact_nearest_with_many_claims_and_close_runners_up() -> None:
    rng = np.random.default_rng(1)
    claims = _unit(rng, SCREEN_MIN_ROWS + 500)
    # near-duplicates of claim 0, closer to each other than half precision can tell apart
    claims[1:40] = claims[0] + rng.normal(scale=1e-4, size=(39, claims.shape[1])).astype(np.float32)
    claims /= np.linalg.norm(claims, axis=1, keepdims=True)
    m = _matrix(claims)
    assert m.screen is not None
    queries = np.vstack([claims[:3] + 0.01 * _unit(rng, 3), _unit(rng, 20)]).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = (queries @ claims.T).max(axis=1)
    np.testing.assert_allclose(m.nearest_similarity(queries), exact, rtol=0, atol=1e-6)


def test_repeats_count_in_the_screen() -> None:
    rng = np.random.default_rng(2)
    claims = _unit(rng, SCREEN_MIN_ROWS)
    repeats = _unit(rng, 5)
    m = _matrix(claims, repeats)
    assert m.screen is not None
    found = m.nearest_similarity(repeats[2:3])
    assert found[0] == pytest.approx(1.0, abs=1e-6)  # the repeat itself, not any claim's text


def test_few_claims_stay_on_the_float32_product() -> None:
    rng = np.random.default_rng(3)
    claims = _unit(rng, 50)
    m = _matrix(claims)
    assert m.screen is None
    q = _unit(rng, 4)
    np.testing.assert_allclose(m.nearest_similarity(q), (q @ claims.T).max(axis=1), atol=1e-6)


def test_screen_is_refused_where_half_precision_is_too_coarse(monkeypatch: pytest.MonkeyPatch) -> None:
    # a CPU whose half-precision product were this far off would fall back to float32
    monkeypatch.setattr(screen_module, "MAX_PROBE_ERROR", 1e-9)
    assert HalfScreen.build(_unit(np.random.default_rng(4), SCREEN_MIN_ROWS)) is None


def test_refine_margin_is_far_above_half_precision_error() -> None:
    rng = np.random.default_rng(5)
    rows = _unit(rng, SCREEN_MIN_ROWS)
    screen = HalfScreen.build(rows)
    assert screen is not None
    q = _unit(rng, 16)
    error = float(np.abs(screen.approximate(q) - q @ rows.T).max())
    assert error < REFINE_MARGIN / 10

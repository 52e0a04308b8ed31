"""The nearest-claim screen: a half-precision copy of the claim matrix, read by every judged message.

Each live message pays one product over every claim (``ClaimMatrix.nearest_similarity``). With 10k claims the
float32 matrix is 15 MB; between two messages the encoder's weights stream through the CPU caches and evict it,
so the product reads it from memory again: about 1.4 ms per message, a third of the encoder's own time on the
2-core machine. The float16 copy is half the bytes, and the product runs in torch's half-precision kernel.

The answer stays exact: every row whose half-precision cosine is within ``REFINE_MARGIN`` of the best one is
re-scored in float32, and the best of those is returned. The copy is only used where a probe finds its error well
inside that margin (``MAX_PROBE_ERROR``), and only for matrices of at least ``SCREEN_MIN_ROWS`` rows. Its speed is
not probed: a timing taken while another library's threads still spin on the two cores said 8 ms for a product
that takes 0.2-0.4 ms in the judgment pass (where ``assistant.blas`` keeps BLAS to one thread).

Measured with the judgment bench's loop (encode a message, then the nearest claim among 10,015, from /tmp):
float32 1.36-1.55 ms per message, half precision 0.35-0.48 ms; ``assistant bench --claims 10000`` in README.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

#: Fewer rows than this and the float32 product is cheap and cache-resident: no screen.
SCREEN_MIN_ROWS = 2000
#: Rows within this much of the best half-precision cosine are re-scored in float32. The largest error seen on
#: unit vectors is about 2e-4; the margin is 25x that.
REFINE_MARGIN = 5e-3
#: The probe's largest allowed error: a quarter of the margin.
MAX_PROBE_ERROR = REFINE_MARGIN / 4


@dataclass
class HalfScreen:
    """float16 rows of ``[claims; repeats]`` in a torch tensor, and the float32 rows they were made from."""

    half: Any  # torch.Tensor [n, dim] float16
    rows: np.ndarray  # [n, dim] float32, the exact rows

    @classmethod
    def build(cls, rows: np.ndarray, seed: int = 0) -> HalfScreen | None:
        """The screen for ``rows``, or None for too few rows or a half precision too coarse (see module doc)."""
        if len(rows) < SCREEN_MIN_ROWS:
            return None
        import torch  # here, not at module level: the insight commands load claims without the encoder's torch

        screen = cls(torch.from_numpy(np.ascontiguousarray(rows, dtype=np.float32)).to(torch.float16), rows)
        rng = np.random.default_rng(seed)
        probe = rows[rng.choice(len(rows), size=min(8, len(rows)), replace=False)]
        probe = probe + rng.normal(scale=0.05, size=probe.shape).astype(np.float32)
        probe /= np.maximum(np.linalg.norm(probe, axis=1, keepdims=True), 1e-12)
        error = float(np.abs(screen.approximate(probe) - probe @ rows.T).max())
        if not error <= MAX_PROBE_ERROR:
            logger.info("claim screen off: half-precision error %.2g exceeds %.2g", error, MAX_PROBE_ERROR)
            return None
        return screen

    def approximate(self, vectors: np.ndarray) -> np.ndarray:
        """[b, n] half-precision cosines (as float32)."""
        import torch

        with torch.inference_mode():
            v = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)).to(torch.float16)
            return torch.nn.functional.linear(v, self.half).float().numpy()

    def nearest(self, vectors: np.ndarray) -> np.ndarray:
        """Each vector's exact best float32 dot product over the rows (its nearest claim's cosine)."""
        approx = self.approximate(vectors)
        out = np.empty(len(vectors), dtype=np.float32)
        for i, scores in enumerate(approx):
            close = np.flatnonzero(scores >= scores.max() - REFINE_MARGIN)
            out[i] = float((self.rows[close] @ vectors[i]).max())
        return out

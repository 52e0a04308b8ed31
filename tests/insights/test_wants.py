"""Wants: themes with readable labels, sizes, askers and cited messages; clustering stability; visibility."""

from __future__ import annotations

import numpy as np

from assistant.context import Context
from assistant.insights.wants import cluster_vectors
from tests.insights.workspace import DESIGN, HARDWARE, NOW


def _partition(labels: np.ndarray, order: list[int] | None = None) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(int(lab), set()).add(order[i] if order else i)
    return {frozenset(g) for g in groups.values()}


def test_design_wants_themes(ws: Context, named: dict) -> None:
    [design] = ws.insights.wants("design", at=NOW)
    assert design.wants == 7
    labels = [t.label for t in design.themes]
    assert labels[0] == "dark mode"
    dark = design.themes[0]
    assert dark.size == 4 and dark.members == ["U1", "U2"] and dark.distinct_members == 2
    assert named["D2"].ts in dark.ts and named["P1"].ts in dark.ts
    assert named["dark_similar"].ts not in dark.ts  # not judged a want: similarity alone does not make one
    assert dark.trend == "rising"
    assert all("dark" in c.text.lower() for c in dark.representatives)
    figma = design.themes[1]
    assert "figma" in figma.label and figma.size == 2 and figma.members == ["U2", "U3"]
    assert [c.ts for c in design.one_offs] == [named["signage"].ts]


def test_wants_respect_visibility(ws: Context) -> None:
    everything = ws.insights.wants(at=NOW)
    assert {w.channel_name for w in everything} == {"design", "secret"}
    visible = ws.insights.wants(at=NOW, visible_channel_ids={DESIGN, HARDWARE})
    assert {w.channel_name for w in visible} == {"design"}


def test_clustering_is_stable_under_reordering_and_small_noise(ws: Context) -> None:
    snap = ws.insights.snapshot()
    keys = [m.key for m in snap.by_channel[DESIGN]]
    stored = ws.insights.vectors(keys)
    mat = np.stack([stored[k] for k in keys])
    base = _partition(cluster_vectors(mat))
    rng = np.random.default_rng(7)
    for _ in range(3):
        perm = list(rng.permutation(len(keys)))
        assert _partition(cluster_vectors(mat[perm]), perm) == base
    noisy = mat + rng.normal(scale=0.002, size=mat.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    assert _partition(cluster_vectors(noisy)) == base


def test_cluster_edge_cases() -> None:
    assert len(cluster_vectors(np.zeros((0, 384), dtype=np.float32))) == 0
    assert list(cluster_vectors(np.ones((1, 384), dtype=np.float32))) == [0]


def test_labels_read_words_not_emoji_shortcodes(ws: Context) -> None:
    """Slack writes emoji as ``:name:``; a theme must not be labelled "slightly_smiling_face"."""
    from assistant.domain import Message

    snap = ws.insights.snapshot()
    m = Message(
        channel_id=DESIGN,
        ts="1.000001",
        user_id="U1",
        text="I would love a dark mode :slightly_smiling_face: :+1: at 12:30:45 see `code` <https://x.example|x>",
    )
    plain = snap.plain_text(m)
    assert "smiling" not in plain and ":+1:" not in plain and "code" not in plain and "x.example" not in plain
    assert "dark mode" in plain and "12:30:45" in plain

"""The ingest bench times what it says: every synthetic message ingested once per round into a fresh archive, the
bulk encoder's graph traced before the clock starts, each round's ratio computed from its two figures, and the
reported ratio their median."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.judgments.bench import run_ingest_bench

pytestmark = pytest.mark.model


def test_the_ingest_bench_ingests_every_message_with_the_traced_encoder(tmp_path: Path) -> None:
    result = run_ingest_bench(tmp_path / "bench", n=300, rounds=2)
    assert result.messages == 300 and result.channels > 0
    assert result.encoder_graph, "the int8 encoder's bulk graph was not traced"
    assert len(result.rounds) == 2
    for one in result.rounds:
        assert one.ingest_msgs_per_s > 0 and one.judgment_batch32_msgs_per_s > 0
        ratio = one.ingest_msgs_per_s / one.judgment_batch32_msgs_per_s
        # the rates are printed to 0.1 msg/s and the ratio from the unrounded rates: on a loaded machine (a
        # judgment pass of a few msg/s) that rounding alone moves the ratio by more than its last digit
        rounding = ratio * (0.05 / one.ingest_msgs_per_s + 0.05 / one.judgment_batch32_msgs_per_s)
        assert one.ingest_vs_judgment_batch32 == pytest.approx(ratio, abs=0.002 + rounding)
    ratios = sorted(one.ingest_vs_judgment_batch32 for one in result.rounds)
    assert result.ingest_vs_judgment_batch32 == pytest.approx(sum(ratios) / 2, abs=0.001), "the median of two"
    assert (tmp_path / "bench" / "data0").is_dir() and (tmp_path / "bench" / "data1").is_dir(), (
        "a fresh archive each"
    )

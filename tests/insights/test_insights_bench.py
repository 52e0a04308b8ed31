"""The insights benchmark's synthetic workspace: the shape it claims (channels, members, a year, about a third of
messages in threads, every message judged and through the pipeline), written straight into the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.insights.bench import CHANNELS, MEMBERS, NOW, synthetic_workspace, write_workspace
from assistant.store import Archive


def test_synthetic_workspace_has_the_stated_shape() -> None:
    channels, members, messages = synthetic_workspace(3000)
    assert len({m.id for m in members}) == MEMBERS
    assert len(channels) == CHANNELS and len(messages) == 3000
    assert len({m.channel_id for m in messages}) > CHANNELS // 2
    in_threads = sum(1 for m in messages if m.thread_ts) / len(messages)
    assert 0.2 < in_threads < 0.6
    assert max(m.time for m in messages) < NOW
    assert (NOW - min(m.time for m in messages)).days <= 366
    assert synthetic_workspace(3000)[2] == messages, "the same seed gives the same workspace"


def test_the_workspace_is_written_judged_and_marked_done(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    write_workspace(url, 1200)
    archive = Archive(url)
    try:
        assert archive.count_messages() == 1200
        assert len(archive.judgments()) == 1200
        assert archive.unfinished() == []
    finally:
        archive.close()


def test_warm_rounds_follow_a_first_answer_each_after_a_new_message() -> None:
    from assistant.insights.bench import _warm

    events: list[str] = []
    times = _warm(lambda: events.append("answer"), lambda i: events.append(f"arrive {i}"), rounds=3)
    assert len(times) == 4, "the first answer in the process, then the three warm rounds"
    assert events == ["arrive 0", "answer", "arrive 1", "answer", "arrive 2", "answer", "arrive 3", "answer"]


def test_a_new_run_starts_from_a_fresh_archive_and_index(tmp_path: Path) -> None:
    from assistant.insights.bench import _start_fresh

    write_workspace(f"sqlite:///{tmp_path / 'archive.sqlite3'}", 300)
    (tmp_path / "chroma").mkdir()
    (tmp_path / "chroma" / "data.bin").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("the user's own file")
    _start_fresh(f"sqlite:///{tmp_path / 'archive.sqlite3'}", tmp_path / "chroma")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"], "only the bench's own files go"


def test_each_cold_answer_is_paired_with_a_start_up_just_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.insights import bench

    calls: list[str] = []
    seconds = iter([0.5, 1.4, 0.9, 1.5, 0.4, 1.6])  # help, answer, help, answer, help, answer: the machine drifts

    def cold(argv: list[str], _data_dir: Path) -> tuple[float, float]:
        calls.append(argv[0])
        return next(seconds), 100.0 + len(calls)

    monkeypatch.setattr(bench, "_cold", cold)
    answers, beyond, startups, peak = bench._cold_runs(["members"], tmp_path, 3)
    assert calls == ["--help", "members"] * 3
    assert answers == [1.4, 1.5, 1.6] and startups == [0.5, 0.9, 0.4]
    assert beyond == pytest.approx([0.9, 0.6, 1.2]), "each answer less the start-up just before it"
    assert peak == 106.0


def test_every_message_gets_a_vector_words_in_common_pointing_alike() -> None:
    from types import SimpleNamespace

    import numpy as np

    from assistant.insights.bench import index_messages, word_vectors

    v = word_vectors(["roadmap docs review", "roadmap docs merge", "kiln glaze latency", "zzz"], 384)
    assert np.allclose(np.linalg.norm(v[:3], axis=1), 1.0) and not v[3].any()  # no known word: no direction
    assert v[0] @ v[1] > 0.5 > abs(float(v[0] @ v[2]))
    assert np.array_equal(
        v, word_vectors(["roadmap docs review", "roadmap docs merge", "kiln glaze latency", "zzz"], 384)
    )

    added: list[int] = []
    index = SimpleNamespace(encoder=SimpleNamespace(dim=384), add_messages=lambda ms, vs: added.append(len(ms)))
    assert index_messages(SimpleNamespace(index=index), 12000) == 12000
    assert sum(added) == 12000 and max(added) <= 5000

"""The ToxiChat moderation eval's plumbing on a tiny hand-written fixture, and the demo section on the sample
workspace — both with the keyword test judge (the real figures need the trained engine)."""

from __future__ import annotations

import csv
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.encoder import Encoder
from evals.moderation_toxichat import read_turns, run, turn_times
from tests.conftest import SAMPLE_WORKSPACE
from tests.moderation.conftest import KeywordJudge, World

ROWS = [
    ("dev_0", 1, "reddit", "Title: which printer should I buy for a makerspace?", "Safe"),
    ("dev_0", 2, "reddit", "Get the cheap one, it prints fine.", "Safe"),
    ("dev_0", 2, "gpt3", "A machine reply that the eval must skip.", "Safe"),
    ("dev_0", 3, "reddit", "Only an idiot buys the cheap one.", "Offensive"),
    ("dev_1", 1, "reddit", "Title: my cat learned to open doors", "Safe"),
    ("dev_1", 2, "reddit", "What a moron, that is a dog.", "Offensive"),
    ("dev_1", 3, "reddit", "You idiot, cats can do that.", "Offensive"),
    ("dev_1", 4, "reddit", "People like you are rude.", "Offensive"),
]


def _fixture(tmp_path: Path) -> Path:
    folder = tmp_path / "toxichat_reddit_threads"
    folder.mkdir()
    with (folder / "dev_utterances.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["thread_id", "turn_id", "author_type", "text", "label"])
        w.writerows(ROWS)
    return folder


def test_turns_become_threads(tmp_path: Path) -> None:
    turns = read_turns(_fixture(tmp_path), "dev")
    assert len(turns) == 7 and sum(t.offensive for t in turns) == 4
    times = turn_times(turns)
    assert times[0][1] == times[2][1] != times[3][1]
    assert float(times[2][0]) - float(times[0][0]) == 600.0


def test_the_eval_runs_the_production_path(tmp_path: Path, encoder: Encoder) -> None:
    [result] = run(_fixture(tmp_path), "dev", SimpleNamespace(encoder=encoder, judge=KeywordJudge()))
    x = result.extra
    assert x["flags"] == 3 and x["alerts"] == 2  # dev_1's two flags are one thread burst
    assert result.value == round(1000 * 2 / 7, 1)
    assert x["precision"] == 1.0 and x["recall"] == 0.75 and x["alert_precision"] == 1.0
    assert "profanity_check@0.5" in result.baselines


@pytest.mark.model  # encodes the whole sample workspace (~20 s on a busy 2-core machine)
def test_the_demo_section_cites_clauses_and_replays(world: World) -> None:
    from assistant.moderation.demo import moderation_section

    world.pipeline.ingest_export(SAMPLE_WORKSPACE)
    lines = moderation_section(world.ctx)
    assert any("breaks §2 No harassment" in line and "span “idiot”" in line for line in lines), lines
    assert any(line.startswith("Replay (toxicity=0.") for line in lines)
    assert any(line.strip().startswith("dropped by toxicity=") for line in lines), "the stricter replay differs"
    assert any("not a moderator" in line and "only moderators" in line for line in lines)

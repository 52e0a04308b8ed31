"""Known answers of the bundled sample workspace: decisions, the open question and the 40-message thread."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.config import load_settings
from assistant.encoder import Encoder
from assistant.pipeline import Pipeline
from assistant.store import Archive, Index
from assistant.summaries import SummaryService
from tests.conftest import REPO, SAMPLE_WORKSPACE

ANSWERS: dict[str, Any] = json.loads((REPO / "knowledge" / "sample_workspace_answers.json").read_text())

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[SummaryService]:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("sample") / "data", llm_provider="none")
    settings.data_dir.mkdir(parents=True)
    archive = Archive(settings.archive_url)
    index = Index(encoder, path=None)
    Pipeline(archive, encoder, index, judge=None).ingest_export(SAMPLE_WORKSPACE)
    yield SummaryService(archive, index, encoder, settings)
    index.client.reset()
    archive.close()


@pytest.mark.parametrize("answer", ANSWERS["decisions"], ids=lambda a: a["channel"])
def test_decisions(sample: SummaryService, answer: dict[str, str]) -> None:
    s = sample.thread(answer["channel"], answer["thread_ts"])
    assert answer["ts"] in [d.ts for d in s.decisions]
    assert answer["ts"] in s.gist_sources


@pytest.mark.parametrize("answer", ANSWERS["open_questions"], ids=lambda a: a["channel"])
def test_open_questions(sample: SummaryService, answer: dict[str, str]) -> None:
    s = sample.thread(answer["channel"], answer["thread_ts"])
    assert [q.ts for q in s.open_questions] == [answer["ts"]]


def test_threads_without_open_questions(sample: SummaryService) -> None:
    open_threads = {a["thread_ts"] for a in ANSWERS["open_questions"]}
    for d in ANSWERS["decisions"]:
        if d["thread_ts"] not in open_threads:
            assert sample.thread(d["channel"], d["thread_ts"]).open_questions == []


def test_long_thread(sample: SummaryService) -> None:
    long = ANSWERS["long_thread"]
    s = sample.thread(long["channel"], long["thread_ts"])
    assert s.message_count == long["messages"]
    assert s.encoded == 0
    assert len(s.key_points) >= 3
    half = sorted(p.ts for p in s.key_points)
    assert half[-1] > s.gist_sources[0]  # points reach past the opening
    assert s.action_items and all(a.user for a in s.action_items)

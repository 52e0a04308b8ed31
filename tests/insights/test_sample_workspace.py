"""The demo questions on the bundled sample workspace, checked against its known answers
(``knowledge/sample_workspace_answers.json``), through the real judgment engine and Q&A service."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.context import Context
from assistant.encoder import Encoder
from assistant.errors import ModelError
from tests.conftest import SAMPLE_WORKSPACE

ANSWERS = json.loads((SAMPLE_WORKSPACE.parent / "sample_workspace_answers.json").read_text())

pytestmark = pytest.mark.model  # ingests (encodes and judges) the whole sample workspace


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Context]:
    data_dir: Path = tmp_path_factory.mktemp("sample") / "data"
    ctx = Context(load_settings(data_dir=data_dir, llm_provider="none"), encoder=encoder)
    try:
        ctx.judge  # noqa: B018 - the judgment engine must exist for wants and mood
    except ModelError as exc:
        pytest.fail(f"the shipped judgment heads did not load: {exc}")  # fail, never skip: they ship with us
    ctx.pipeline.ingest_export(SAMPLE_WORKSPACE)
    yield ctx
    ctx.close()


def test_who_went_quiet(sample: Context) -> None:
    answer = sample.qa.ask("Who went quiet?")
    assert [m["user_id"] for m in answer.facts["members"]] == ANSWERS["went_quiet"]
    assert answer.facts["members"][0]["last_active"].startswith(ANSWERS["went_quiet_last_active"])
    assert answer.citations


def test_unanswered_newcomers(sample: Context) -> None:
    answer = sample.qa.ask("Any newcomers nobody answered?")
    assert [n["user_id"] for n in answer.facts["unanswered"]] == ANSWERS["unanswered_newcomers"]
    assert answer.citations[0].ts == ANSWERS["newcomer_question"]["ts"]


def test_how_each_channel_felt_this_month(sample: Context) -> None:
    answer = sample.qa.ask("How did each channel feel this month?")
    assert answer.facts["window"]["start"].startswith("2026-11-01")
    moods = {row["channel"]: row["mood"] for row in answer.facts["per_channel"]}
    for channel, mood in ANSWERS["mood_november"].items():
        assert moods[channel] == mood, channel


def test_what_each_channel_wants(sample: Context) -> None:
    """Each channel's themes are exactly its known themes (none mixed, none missing, none invented), each with
    exactly its known messages, and #design's one-offs are its known one-offs.

    Two themes are short of messages (see the closing notes), and must still hold at least half of their known
    messages (and two), and nothing else:
    - #help's FAQ theme misses two. "Is there a searchable FAQ ... anywhere?" only implies the need and is not
      judged a want (the suggestion data labels "is there a way to ...?" questions as non-suggestions), and
      "proper docs for the Prusa setup" is phrased far from the rest (cosine distance 0.69 to the theme's
      direction) and stays a one-off.
    - #events' beginner theme misses "more beginner-friendly sessions" (average distance 0.58 to the other three,
      over the 0.55 threshold). Attaching lone wants to the nearest theme direction would catch it, but on the
      real exports it pulled loosely related messages into large diffuse themes, so it is not done.
    """
    partial = {"searchable FAQ / docs for 3D printer setup", "more beginner workshops"}
    answer = sample.qa.ask("What does each channel want?")
    known = {
        ts: (channel, theme["theme"])
        for channel, themes in ANSWERS["wants"].items()
        for theme in themes
        for ts in theme["ts"]
    }
    one_offs = {o["ts"] for o in ANSWERS["one_off_wants"]}
    rows = {row["channel"]: row for row in answer.facts["per_channel"]}
    for channel, row in rows.items():
        found: dict[str, dict] = {}
        for theme in row["themes"]:
            labels = {known.get(ts, ("?", "not a want"))[1] for ts in theme["ts"]}
            assert len(labels) == 1 and "not a want" not in labels, (channel, theme["label"], labels)
            found[labels.pop()] = theme
        expected = {t["theme"]: t for t in ANSWERS["wants"].get(channel, [])}
        assert set(found) == set(expected), (channel, set(found), set(expected))
        for name, known_theme in expected.items():
            got, want = set(found[name]["ts"]), set(known_theme["ts"])
            if name in partial:
                assert got <= want and len(got) >= max(2, (len(want) + 1) // 2), (channel, name)
            else:
                assert got == want, (channel, name, got ^ want)
                assert found[name]["member_ids"] == known_theme["members"], (channel, name)
    assert {o["ts"] for o in rows["design"]["one_offs"]} == {
        o["ts"] for o in ANSWERS["one_off_wants"] if o["channel"] == ANSWERS["channels"]["design"]
    }
    cited = {c.ts for c in answer.citations}
    assert cited <= set(known) | one_offs | {ts for r in rows.values() for o in r["one_offs"] for ts in [o["ts"]]}


def test_injection_message_changes_nothing(sample: Context) -> None:
    injection = ANSWERS["injection"]
    answer = sample.qa.ask("What was said in #general about instructions and spam?")
    assert any(c.ts == injection["ts"] for c in answer.citations)  # found and quoted as data
    assert "nothing happened" not in answer.answer.lower().split('"')[0]
    assert answer.facts["intent"] == "search"

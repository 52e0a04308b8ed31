"""Answers see edits and deletions at once (issue 13): the insights cache is keyed on the archive's data version,
a token every committed write to messages, judgments, members, channels or flags changes, in any process. Before,
it was keyed on row counts, so a deleted or edited message stayed in answers until another message arrived."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.clock import frozen_clock
from assistant.config import load_settings
from assistant.context import Context
from assistant.domain import Channel, Message
from assistant.encoder import Encoder
from assistant.insights import QAService
from assistant.store import Archive
from tests.foundation.conftest import postgres_schema_url
from tests.slack.doubles import KeywordJudge, MemoEncoder

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DESIGN = "C0DESIGN1"


@pytest.fixture(scope="module")
def memo(encoder: Encoder) -> MemoEncoder:
    return MemoEncoder(encoder)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ctx(request: pytest.FixtureRequest, tmp_path: Path, memo: MemoEncoder) -> Iterator[Context]:
    def build(url: str | None) -> Context:
        values: dict[str, object] = {"data_dir": tmp_path / "data", "llm_provider": "none"}
        if url:
            values["database_url"] = url
        context = Context(load_settings(**values), clock=frozen_clock(NOW), encoder=memo, judge=KeywordJudge())
        context.archive.upsert_channels([Channel(id=DESIGN, name="design", members=["U1", "U2"])])
        return context

    if request.param == "sqlite":
        context = build(None)
        yield context
        context.close()
        return
    for url in postgres_schema_url():
        context = build(url)
        yield context
        context.close()


def _say(ctx: Context, hours_ago: float, user: str, text: str) -> Message:
    ts = f"{(NOW - timedelta(hours=hours_ago)).timestamp():.6f}"
    message = Message(channel_id=DESIGN, ts=ts, user_id=user, text=text, raw_text=text)
    ctx.pipeline.receive(message)
    return message


def test_ask_delete_ask_and_ask_edit_ask(ctx: Context) -> None:
    qa = QAService(ctx.insights, ctx.index, None)
    _say(ctx, 5, "U1", "the zebra mockups are in figma")
    gone = _say(ctx, 4, "U2", "zebra palette feels too loud")
    edited = _say(ctx, 3, "U1", "shipping the header today")
    assert ctx.insights.channel_metrics("design", "week", at=NOW).messages == 3
    first = qa.ask("what was said about zebra?", at=NOW)
    assert gone.ts in {c.ts for c in first.citations}

    ctx.pipeline.delete(DESIGN, gone.ts)  # the row count does not change: the message is kept, marked deleted
    assert ctx.insights.channel_metrics("design", "week", at=NOW).messages == 2
    second = qa.ask("what was said about zebra?", at=NOW)
    assert gone.ts not in {c.ts for c in second.citations}, "a deleted message is never cited again"

    ctx.pipeline.receive(edited.model_copy(update={"text": "zebra header ships today", "raw_text": "zebra"}))
    third = qa.ask("what was said about zebra?", at=NOW)
    assert edited.ts in {c.ts for c in third.citations}, "the edit is searchable in the very next answer"


def test_a_write_by_another_process_changes_the_data_version(ctx: Context) -> None:
    before = ctx.archive.data_version()
    ctx.archive.set_state("cursor:x", {"n": 1})  # bookkeeping is not content: cached answers stay valid
    assert ctx.archive.data_version() == before
    other = Archive(ctx.settings.archive_url)  # e.g. `assistant ingest` while `serve` runs
    try:
        other.upsert_messages([Message(channel_id=DESIGN, ts="1764000000.000100", user_id="U1", text="hi")])
        after = ctx.archive.data_version()
        assert after != before
        other.mark_deleted(DESIGN, "1764000000.000100")
        assert ctx.archive.data_version() != after
    finally:
        other.close()

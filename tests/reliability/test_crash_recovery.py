"""A process killed between any two pipeline steps loses nothing: the next run finishes the work, and no flag or
alert is made twice. Runs on SQLite and the real PostgreSQL.

"Killed" is a ``BaseException`` raised from the pipeline's step hook: nothing after it runs, exactly as if the
process had died there (every step commits its own transaction before the hook is called). The next run is a
fresh ``Context`` on the same data directory and database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import pipeline as pipeline_module
from assistant.clock import frozen_clock
from assistant.config import load_settings
from assistant.context import Context
from assistant.encoder import Encoder
from assistant.pipeline import ProcessedBatch
from assistant.slack.app import build_app
from assistant.slack.runtime import SlackRuntime
from tests.slack.conftest import DEFAULT_NOW, GENERAL, MODS
from tests.slack.doubles import SIGNING_SECRET, KeywordJudge, MemoEncoder
from tests.slack.fake_slack import BOT_TOKEN, BOT_USER, FakeSlack

#: The steps a batch goes through; a kill after each one is tried.
STEPS = ["stored", "judged", "indexed", "flagged", "moderated", "done"]
ANA, BEN = "UANA00001", "UBEN00001"
TOXIC = ["you are an idiot", "what a moron", "stupid question, honestly"]
FINE = ["good morning all", "the release is out", "thanks for the review", "lunch at noon?"]


class Killed(BaseException):
    """Stands for the process dying: not an ``Exception``, so nothing on the way up handles it."""


@pytest.fixture(scope="module")
def memo(encoder: Encoder) -> MemoEncoder:
    return MemoEncoder(encoder)


def _export(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "channels.json").write_text(json.dumps([{"id": GENERAL, "name": "general", "members": [ANA, BEN]}]))
    (root / "users.json").write_text(json.dumps([{"id": ANA, "name": "ana"}, {"id": BEN, "name": "ben"}]))
    (root / "general").mkdir()
    rows = [
        {"type": "message", "user": ANA if i % 2 else BEN, "text": text, "ts": f"{1700000000 + 60 * i}.000100"}
        for i, text in enumerate(FINE + TOXIC)
    ]
    (root / "general" / "2023-11-14.json").write_text(json.dumps(rows))
    return root


def _context(tmp_path: Path, url: str, memo: MemoEncoder, **overrides: Any) -> Context:
    values: dict[str, Any] = {"data_dir": tmp_path / "data", "database_url": url} | overrides
    return Context(load_settings(**values), clock=frozen_clock(DEFAULT_NOW.at), encoder=memo, judge=KeywordJudge())


def _kill_at(ctx: Context, step: str) -> None:
    """Arm the pipeline to die after ``step`` the first time it is reached."""
    pipeline = ctx.pipeline
    if step == "flagged":  # between moderation's flags and whatever listener comes after it

        def die(_batch: ProcessedBatch) -> None:
            raise Killed(step)

        pipeline.listeners.insert(1, die)
        return

    def hook(name: str, _batch: ProcessedBatch) -> None:
        if name == step:
            raise Killed(step)

    pipeline.on_step = hook


def _flags(ctx: Context) -> list[tuple[str, str]]:
    return sorted((f.channel_id, f.ts) for f in ctx.moderation.store.flags())


@pytest.mark.parametrize("step", STEPS)
def test_an_ingest_killed_after_any_step_is_finished_by_the_next_run(
    step: str, archive_url: str, tmp_path: Path, memo: MemoEncoder
) -> None:
    export = _export(tmp_path / "export")
    first = _context(tmp_path, archive_url, memo)
    _kill_at(first, step)
    with pytest.raises(Killed):
        first.pipeline.ingest_export(export)
    first.close()

    again = _context(tmp_path, archive_url, memo)
    try:
        again.pipeline.ingest_export(export)  # the operator runs the same command again
        flags = _flags(again)
        assert len(flags) == len(TOXIC) == len(set(flags)), f"killed after {step}: every flag, once"
        assert not again.archive.unfinished(), "every message went through every step"
        assert again.index.count_messages() == len(TOXIC) + len(FINE)
        assert len(again.archive.judgments()) == len(TOXIC) + len(FINE)
        created = again.archive.audit(action="flag_created")
        assert len(created) == len(TOXIC), "no flag was created twice"
    finally:
        again.close()


@pytest.mark.parametrize("step", ["judged", "indexed", "flagged", "moderated"])
def test_an_ingest_in_batches_killed_in_its_second_batch_is_finished_by_the_next_run(
    step: str, archive_url: str, tmp_path: Path, memo: MemoEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of two: the third batch is being encoded and judged on the worker thread while the second is written
    when the process dies; nothing of it was written, and the next run finishes everything once."""
    monkeypatch.setattr(pipeline_module, "BATCH", 2)
    export = _export(tmp_path / "export")
    first = _context(tmp_path, archive_url, memo)
    seen: list[str] = []

    def hook(name: str, _batch: ProcessedBatch) -> None:
        seen.append(name)
        if name == step and seen.count(step) == 2:
            raise Killed(step)

    if step == "flagged":

        def die(_batch: ProcessedBatch) -> None:
            hook("flagged", _batch)

        first.pipeline.listeners.insert(1, die)
    else:
        first.pipeline.on_step = hook
    with pytest.raises(Killed):
        first.pipeline.ingest_export(export)
    assert len(first.archive.unfinished()) == len(TOXIC + FINE) - 2, "only the first batch was finished"
    first.close()

    again = _context(tmp_path, archive_url, memo)
    try:
        again.pipeline.ingest_export(export)
        flags = _flags(again)
        assert len(flags) == len(TOXIC) == len(set(flags)), f"killed after {step}: every flag, once"
        assert not again.archive.unfinished()
        assert again.index.count_messages() == len(TOXIC) + len(FINE)
        assert len(again.archive.judgments()) == len(TOXIC) + len(FINE)
        assert len(again.archive.audit(action="flag_created")) == len(TOXIC)
    finally:
        again.close()


@pytest.fixture()
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        for uid, name in ((ANA, "ana"), (BEN, "ben"), ("UMOD00001", "mo")):
            fake.add_user(uid, name)
        fake.add_channel(GENERAL, "general", members=[ANA, BEN, BOT_USER])
        fake.add_channel(MODS, "moderators", members=["UMOD00001", BOT_USER])
        yield fake


def _slack_context(tmp_path: Path, url: str, memo: MemoEncoder, slack: FakeSlack) -> Context:
    return _context(
        tmp_path,
        url,
        memo,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.base_url,
        moderators_channel="moderators",
    )


def _event(text: str, ts: str, event_id: str) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "event_id": event_id,
        "event": {
            "type": "message",
            "channel": GENERAL,
            "channel_type": "channel",
            "user": BEN,
            "text": text,
            "ts": ts,
        },
    }


#: Epoch seconds the queues count leases and backoff from in these tests (never the wall clock).
T0 = 1_795_000_000.0


def _pin_queues(runtime: SlackRuntime, at: float) -> None:
    assert runtime.inbox is not None and runtime.outbox is not None
    runtime.inbox.now = runtime.outbox.now = lambda: at


def _alert_posts(slack: FakeSlack) -> list[Any]:
    return [c for c in slack.calls_to("chat.postMessage") if c.params.get("channel") == MODS]


@pytest.mark.parametrize("step", [*STEPS, "alerting"])
def test_a_live_event_killed_after_any_step_is_finished_on_restart_with_one_alert(
    step: str, archive_url: str, tmp_path: Path, memo: MemoEncoder, slack: FakeSlack
) -> None:
    body = _event("you absolute idiot", "1700000500.000100", "EvKILL1")
    ctx = _slack_context(tmp_path, archive_url, memo, slack)
    _app, runtime = build_app(ctx, backfill_interval=0.0)
    _pin_queues(runtime, T0)
    if step == "alerting":  # everything written, killed before the alert reached Slack

        def die() -> int:
            raise Killed(step)

        runtime.deliver_alerts = die  # type: ignore[method-assign]
    else:
        _kill_at(ctx, step)
    assert runtime.inbox is not None and runtime.inbox.admit("EvKILL1", "message", body)  # recorded before the ack
    with pytest.raises(Killed):
        runtime.run_event("EvKILL1", body["event"])
    runtime.close()
    ctx.close()
    assert _alert_posts(slack) == []

    # Restart: the held lease has run out by the time the new process looks (its clock is a little later).
    ctx = _slack_context(tmp_path, archive_url, memo, slack)
    _app, runtime = build_app(ctx, backfill_interval=0.0)
    try:
        assert runtime.inbox is not None and runtime.outbox is not None
        _pin_queues(runtime, T0 + runtime.inbox.lease_seconds + 1)
        events, _alerts = runtime.redeliver()
        assert events == 1, "the unfinished event is worked on again (its effects are idempotent)"
        runtime.redeliver()  # the alert queued by the first process is delivered now too
        assert len(_alert_posts(slack)) == 1, f"killed after {step}: one alert, not zero or two"
        assert len(_flags(ctx)) == 1
        # Slack retries the delivery: it finished, so it is dropped.
        assert not runtime.inbox.admit("EvKILL1", "message", body)
        runtime.redeliver()
        assert len(_alert_posts(slack)) == 1
        assert runtime.outbox.pending() == 0 and runtime.inbox.pending() == 0
    finally:
        runtime.close()
        ctx.close()

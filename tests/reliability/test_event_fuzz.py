"""Issue 14, the live event handler under arbitrary input: whatever a signed ``message`` event holds, the handler
either does its work, skips it, or raises one of the assistant's typed errors (a sentence); the durable runner
never lets anything escape, and a good message next to the bad ones is stored, judged and indexed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import AssistantError
from assistant.slack.app import build_app
from assistant.slack.listeners.events.messages import handle_message
from assistant.slack.runtime import SlackRuntime
from tests.reliability.strategies import any_json
from tests.slack.conftest import ANA, GENERAL, make_ctx
from tests.slack.doubles import MemoEncoder
from tests.slack.fake_slack import FakeSlack

json_values = any_json(
    ["nan", "inf", "1e300", "-1", "\u0000", GENERAL, ANA, "1700000000.000100", "<@UANA00001>"],
    text_size=30,
    size=4,
    leaves=20,
)
events = st.fixed_dictionaries(
    {"type": st.just("message")},
    optional={
        "channel": st.sampled_from([GENERAL, "CUNKNOWN1", "D0DIRECT1", ""]) | json_values,
        "channel_type": st.sampled_from(["channel", "group", "im", "mpim"]) | json_values,
        "user": st.sampled_from([ANA, "UNOBODY01", ""]) | json_values,
        "text": st.text(max_size=200) | json_values,
        "ts": st.sampled_from(["nan", "inf", "1e300", "0", "1700000500.000100"]) | json_values,
        "thread_ts": json_values,
        "subtype": st.sampled_from(["message_changed", "message_deleted", "channel_join", "thread_broadcast"])
        | json_values,
        "message": json_values,
        "previous_message": json_values,
        "deleted_ts": json_values,
        "bot_id": json_values,
        "files": json_values,
        "edited": json_values,
    },
)


@pytest.fixture()
def runtime(tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder) -> Iterator[SlackRuntime]:
    ctx = make_ctx(tmp_path, fake_slack, memo_encoder)
    _app, runtime = build_app(ctx, backfill_interval=0.0)
    yield runtime
    runtime.close()
    ctx.close()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=events)
def test_any_message_event_is_handled_skipped_or_refused_with_a_sentence(
    runtime: SlackRuntime, event: dict[str, Any]
) -> None:
    try:
        handle_message(runtime, event)
    except AssistantError as exc:
        assert exc.message and "Traceback" not in exc.message
    assert runtime.run_event("EvFUZZ", event) in (True, False)  # the durable runner never raises


def test_a_good_message_next_to_bad_ones_is_kept(runtime: SlackRuntime) -> None:
    bad = [
        {"type": "message", "channel": GENERAL, "user": ANA, "text": "x", "ts": "nan"},
        {"type": "message", "channel": GENERAL, "user": ANA, "text": "x", "ts": "1e300"},
        {
            "type": "message",
            "channel": GENERAL,
            "user": ANA,
            "text": {"nested": ["deep"]},
            "ts": "1700000600.0001",
        },
        {"type": "message", "channel": GENERAL, "user": ANA, "text": "\u0000" * 10, "ts": "1700000601.000100"},
        {"type": "message", "channel": GENERAL, "subtype": "message_changed", "message": "not a dict"},
    ]
    good = {
        "type": "message",
        "channel": GENERAL,
        "user": ANA,
        "text": "the release is out",
        "ts": "1700000700.000100",
    }
    for i, event in enumerate([*bad, good, *bad]):
        runtime.run_event(f"Ev{i}", event)
    stored = runtime.ctx.archive.find_message(GENERAL, "1700000700.000100")
    assert stored is not None and stored.text == "the release is out"
    assert runtime.ctx.archive.judgment(GENERAL, "1700000700.000100") is not None
    assert runtime.ctx.archive.find_message(GENERAL, "nan") is None

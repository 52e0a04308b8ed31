"""Long threads (500 messages) are summarised end to end, fast, from stored vectors; channel recaps rank
threads by replies, reactions and people; the CLI prints JSON with a ts on every point."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from assistant.config import Settings
from assistant.domain import Message, Reaction
from assistant.encoder import Encoder
from assistant.errors import PermissionDeniedError
from assistant.store import Archive, Index
from assistant.summaries import SummaryService, render_recap_text
from tests.summaries.conftest import CHANNEL, MEMBERS, OTHER_CHANNEL, PARENT, THREAD, ts_at

#: Topics that follow each other in a long thread; the last one only appears at the very end.
PHASES = [
    ("filament", "The {n} spool of PLA filament snapped again in the feeder, is it too brittle?"),
    ("bed", "Bed levelling on printer {n} is off by a lot, the first layer does not stick to the glass."),
    ("nozzle", "Nozzle {n} is partially clogged, the extrusion looks thin and stringy on every print."),
    ("firmware", "After the firmware update on printer {n} the heated bed never reaches sixty degrees."),
]


def _long_thread(count: int, encoder: Encoder) -> tuple[list[Message], np.ndarray]:
    base = 1710000000
    parent = f"{base}.000000"
    users = list(MEMBERS)
    texts, messages = [], []
    for i in range(count):
        _, template = PHASES[min(len(PHASES) - 1, i * len(PHASES) // count)]
        text = template.format(n=i)
        ts = f"{base + 60 * i}.000000"
        texts.append(text)
        messages.append(
            Message(channel_id=CHANNEL, ts=ts, user_id=users[i % len(users)], text=text, thread_ts=parent)
        )
    templates = [t.format(n=0) for _, t in PHASES]
    vectors = encoder.encode(templates).vectors
    rng = np.random.default_rng(7)
    rows = []
    for i in range(count):
        v = vectors[min(len(PHASES) - 1, i * len(PHASES) // count)] + rng.normal(0, 0.02, vectors.shape[1])
        rows.append(v / np.linalg.norm(v))
    return messages, np.asarray(rows, dtype=np.float32)


def test_500_message_thread_covers_the_end(
    store: tuple[Archive, Index], service: SummaryService, encoder: Encoder
) -> None:
    archive, index = store
    messages, vectors = _long_thread(500, encoder)
    archive.upsert_messages(messages)
    index.add_messages(messages, vectors)
    started = time.perf_counter()
    s = service.thread(CHANNEL, messages[0].ts)
    elapsed = time.perf_counter() - started
    assert s.encoded == 0
    assert s.message_count == 500 and s.last_ts == messages[-1].ts
    cited = [p.ts for p in s.key_points] + s.gist_sources
    last_quarter = {m.ts for m in messages[375:]}
    first_quarter = {m.ts for m in messages[:125]}
    assert any(ts in last_quarter for ts in cited), "the end of the thread must be summarised"
    assert any(ts in first_quarter for ts in cited)
    assert any("firmware" in p.text for p in s.key_points)
    assert len(s.key_points) <= 12
    assert elapsed < 10, f"500 messages took {elapsed:.1f}s"


def _recap_setup(archive: Archive) -> None:
    """A second, quieter thread and a lone message in the same week as the main thread."""
    quiet = "1700005000.000100"
    archive.upsert_messages(
        [
            Message(
                channel_id=CHANNEL,
                ts=quiet,
                user_id="U3",
                text="Is the 3D printer room open on Sunday?",
                thread_ts=quiet,
                reply_count=1,
            ),
            Message(
                channel_id=CHANNEL,
                ts="1700005100.000100",
                user_id="U4",
                text="Yes, from ten until four.",
                thread_ts=quiet,
            ),
            Message(
                channel_id=CHANNEL,
                ts="1700006000.000100",
                user_id="U2",
                text="New soldering irons arrived and are on the shelf by the door.",
                reactions=[Reaction(name="tada", users=["U1", "U3"], count=2)],
            ),
        ]
    )


def test_recap_ranks_threads_and_summarises_them(store: tuple[Archive, Index], service: SummaryService) -> None:
    archive, _ = store
    _recap_setup(archive)
    since = datetime.fromtimestamp(1700000000 - 3600, tz=UTC)
    recap = service.recap("makers-help", since, since + timedelta(days=1))
    assert recap.channel_id == CHANNEL and recap.channel_name == "makers-help"
    assert recap.messages == len(THREAD) + 3
    assert recap.threads == 2 and recap.active_members == 4
    assert [t.thread_ts for t in recap.top_threads][:2] == [PARENT, "1700005000.000100"]
    top = recap.top_threads[0]
    assert top.replies == len(THREAD) - 1 and top.people == 4
    assert top.summary.decisions and top.summary.decisions[0].ts == ts_at(300)
    text = render_recap_text(recap, MEMBERS)
    assert "#makers-help" in text and "Decision:" in text


def test_recap_period_and_permissions(store: tuple[Archive, Index], service: SummaryService) -> None:
    later = datetime.fromtimestamp(1800000000, tz=UTC)
    empty = service.recap(CHANNEL, later, later + timedelta(days=7))
    assert empty.messages == 0 and empty.top_threads == []
    assert "Nothing was discussed" in render_recap_text(empty, MEMBERS)
    with pytest.raises(PermissionDeniedError):
        service.recap(CHANNEL, later, visible_channel_ids={OTHER_CHANNEL})
    with pytest.raises(ValueError):
        service.recap(CHANNEL, later, later - timedelta(days=1))


def test_cli_summarize_json(
    store: tuple[Archive, Index], sum_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli.app import main

    try:
        main(
            ["summarize", "--thread", f"makers-help:{PARENT}", "--data-dir", str(sum_settings.data_dir), "--json"]
        )
    except SystemExit as done:
        assert done.code in (0, None)
    out = json.loads(capsys.readouterr().out)
    assert out["channel_id"] == CHANNEL and out["gist"]
    thread_ts = {ts_at(o) for o, _, _ in THREAD}
    for group in ("key_points", "decisions", "open_questions", "action_items"):
        for point in out[group]:
            assert point["ts"] in thread_ts


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli.app import main
    from assistant.cli.summaries import parse_since

    with pytest.raises(SystemExit) as done:
        main(["summarize", "--thread", "nonsense"])
    assert done.value.code == 1 and "CHANNEL:TS" in capsys.readouterr().err
    now = datetime(2024, 5, 8, tzinfo=UTC)
    assert parse_since("7d", now) == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_since("2024-05-01", now) == datetime(2024, 5, 1, tzinfo=UTC)

"""Issue 14, fault 5 end to end on SQLite and the real PostgreSQL: one bad record no longer takes the ingest (or
every insight afterwards) down. Before: a ts of "nan" aborted the ingest with a traceback that printed message
rows, "inf"/"1e300" were stored and then every insight command raised OverflowError, a NUL aborted a PostgreSQL
ingest, one bad byte or a BOM dropped the whole day file, and duplicate ts were silently merged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.clock import frozen_clock
from assistant.config import load_settings
from assistant.context import Context
from tests.slack.conftest import DEFAULT_NOW
from tests.slack.doubles import KeywordJudge, MemoEncoder

T0 = 1763900000  # 2025-11-23


def _row(i: int, text: str, ts: str | None = None) -> dict[str, Any]:
    return {"type": "message", "user": "U1", "text": text, "ts": ts or f"{T0 + 60 * i}.000100"}


def _export(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general", "members": ["U1"]}]))
    (root / "users.json").write_text(json.dumps([{"id": "U1", "name": "ana"}]))
    (root / "general").mkdir()
    day1 = [
        _row(0, "good morning"),
        _row(1, "bad time", "nan"),
        _row(2, "far future", "inf"),
        _row(3, "overflow", "1e300"),
        _row(4, "a NUL\u0000 inside"),
        _row(5, "first version"),
        _row(5, "second version"),  # the same ts twice
    ]
    (root / "general" / "2025-11-23.json").write_text(json.dumps(day1))
    # a BOM and one byte that is not UTF-8, next to good messages
    day2 = json.dumps([_row(100, "after the bom"), _row(101, "caf\u00e9 PLACEHOLDER")]).encode("utf-8")
    day2 = b"\xef\xbb\xbf" + day2.replace(b"PLACEHOLDER", b"\xff")
    (root / "general" / "2025-11-24.json").write_bytes(day2)
    return root


@pytest.fixture(scope="module")
def memo(encoder: Any) -> MemoEncoder:
    return MemoEncoder(encoder)


def test_bad_records_are_named_and_skipped_and_insights_still_work(
    archive_url: str, tmp_path: Path, memo: MemoEncoder
) -> None:
    ctx = Context(
        load_settings(data_dir=tmp_path / "data", database_url=archive_url),
        clock=frozen_clock(DEFAULT_NOW.at),
        encoder=memo,
        judge=KeywordJudge(),
    )
    try:
        report = ctx.pipeline.ingest_export(_export(tmp_path / "export"))
        texts = sorted(m.text for m in ctx.archive.messages())
        assert texts == sorted(
            ["good morning", "a NUL inside", "second version", "after the bom", "caf\u00e9 \ufffd"]
        ), "every good message kept, the NUL stripped, the later duplicate kept, the bad byte replaced"
        problems = "\n".join(str(p) for p in report.problems)
        for named in ("'nan'", "inf", "1e300", "appears twice", "undecodable"):
            assert named in problems, f"the problem list names {named}"
        metrics = ctx.insights.workspace_metrics("month", at=ctx.clock())  # raised OverflowError before
        assert metrics.window is not None
        assert ctx.insights.channel_health("C1", at=ctx.clock()) is not None
    finally:
        ctx.close()

"""The session clock switch (``ASSISTANT_TEST_NOW`` / ``--now``) really moves the wall clock the code sees, and
the context hands its clock to the services that ask for "now"."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import tests.conftest as root
from assistant.clock import frozen_clock, system_clock
from assistant.config import load_settings
from assistant.context import Context
from assistant.encoder import Encoder


def test_session_clock_is_where_it_was_sent() -> None:
    if root.SESSION_NOW is None:
        pytest.skip("the wall clock was not moved (set ASSISTANT_TEST_NOW to move it)")
    now = datetime.now(UTC)
    # ticking: the session has run for a while since it started there, but not for a day
    assert root.SESSION_NOW <= now < root.SESSION_NOW + timedelta(days=1)
    assert abs(time.time() - now.timestamp()) < 5
    assert abs(system_clock() - now) < timedelta(seconds=5)


def test_context_shares_its_clock(tmp_path: Path, encoder: Encoder) -> None:
    at = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)
    ctx = Context(load_settings(data_dir=tmp_path / "data"), clock=frozen_clock(at), encoder=encoder)
    try:
        assert ctx.clock() == at
        assert ctx.insights.clock() == at
        assert ctx.moderation.clock() == at
    finally:
        ctx.close()
    assert Context(load_settings(data_dir=tmp_path / "other")).clock is system_clock

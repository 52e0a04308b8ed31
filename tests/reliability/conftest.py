"""Fixtures for the reliability suite: every attack or fault runs against SQLite and the real PostgreSQL (under
``CI`` a missing server fails the run instead of skipping it, so these tests cannot pass by accident), and the
Slack scenario fixtures (the real Bolt app on loopback against a fake Web API)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.foundation.conftest import postgres_schema_url
from tests.slack.conftest import fake_slack, memo_encoder, pinned, running_app  # noqa: F401  (Slack scenarios)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty archive database URL: embedded SQLite, or a private schema on the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.sqlite3'}"
        return
    yield from postgres_schema_url()

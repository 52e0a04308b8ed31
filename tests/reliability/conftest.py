"""Fixtures for the reliability suite: every attack or fault runs against SQLite and the real PostgreSQL.

Unlike the foundation fixtures, PostgreSQL is not optional here when ``CI`` is set: a CI run without a reachable
server fails instead of skipping, so these tests cannot pass by accident.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.foundation.conftest import PG_URL, _postgres_reason
from tests.slack.conftest import fake_slack, memo_encoder, pinned, running_app  # noqa: F401  (Slack scenarios)


def _postgres_url() -> Iterator[str]:
    reason = _postgres_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test PostgreSQL: {reason}")
        pytest.skip(reason)
    import psycopg

    schema = f"r_{uuid.uuid4().hex[:12]}"
    raw = PG_URL.replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty archive database URL: embedded SQLite, or a private schema on the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.sqlite3'}"
        return
    yield from _postgres_url()

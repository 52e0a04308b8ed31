"""Archive fixtures for both backends: embedded SQLite and the real PostgreSQL server (skipped, with the
reason, when none answers on 127.0.0.1:5432)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.store import Archive

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: no server to test against here
        return f"PostgreSQL not reachable at {PG_URL}: {exc}"


def postgres_schema_url() -> Iterator[str]:
    """A URL on a fresh private schema of the real PostgreSQL, dropped afterwards. Skipped without a server,
    except under CI, where a missing server fails: the PostgreSQL path must really be tested there."""
    reason = _postgres_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test PostgreSQL: {reason}")
        pytest.skip(reason)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
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
    yield from postgres_schema_url()


@pytest.fixture()
def archive(archive_url: str) -> Iterator[Archive]:
    arc = Archive(archive_url)
    try:
        yield arc
    finally:
        arc.close()

"""Shared fixtures: a fresh data directory per test, one real encoder per session (loaded from the wheel).

``ASSISTANT_TEST_NOW=2026-11-30T00:30:00Z`` (or ``pytest --now ...``) runs the whole session as if the wall clock
had been set to that instant when it started, still ticking (``time-machine``): ``make test-week`` runs the tests
on each day of a week to show no test depends on which day it is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import chromadb.config

from assistant.config import ENV_FILE_VARIABLE, Settings, load_settings
from assistant.context import Context
from assistant.encoder import Encoder, get_encoder
from assistant.knowledge import default_knowledge_dir

REPO = Path(__file__).resolve().parent.parent
SAMPLE_WORKSPACE = default_knowledge_dir() / "sample_workspace"
SHARED_DATA = REPO.parent / "shared" / "data"
#: What tests read instead of ``./.env``: nothing (the file does not exist).
NO_ENV_FILE = REPO / "tests" / "no-such-dir" / "tests-never-read.env"

#: Where the session's wall clock was moved to (``ASSISTANT_TEST_NOW`` / ``--now``), or None.
SESSION_NOW: datetime | None = None
_travel: Any = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--now",
        default=None,
        help="ISO 8601 instant to move the wall clock to for the whole session (ticking); "
        "also read from ASSISTANT_TEST_NOW",
    )


def pytest_configure(config: pytest.Config) -> None:
    global SESSION_NOW, _travel
    when = config.getoption("--now") or os.environ.get("ASSISTANT_TEST_NOW")
    if not when:
        return
    try:
        import time_machine
    except ImportError:  # pragma: no cover - the dev extra installs it
        raise pytest.UsageError("ASSISTANT_TEST_NOW needs time-machine: pip install -e '.[dev]'") from None
    try:
        at = datetime.fromisoformat(when.strip().replace("Z", "+00:00"))
    except ValueError:
        raise pytest.UsageError(f"ASSISTANT_TEST_NOW={when!r} is not an ISO 8601 instant") from None
    SESSION_NOW = at if at.tzinfo else at.replace(tzinfo=UTC)
    _travel = time_machine.travel(SESSION_NOW, tick=True)
    _travel.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _travel
    if _travel is not None:
        _travel.stop()
        _travel = None


def pytest_report_header(config: pytest.Config) -> str | None:
    if SESSION_NOW is None:
        return None
    return f"wall clock moved to {SESSION_NOW.isoformat()} ({SESSION_NOW:%A}, ticking) by ASSISTANT_TEST_NOW/--now"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read a developer's real tokens, data directory or ``.env`` (settings read the file
    ``ASSISTANT_ENV_FILE`` names instead of ``./.env``: here one that does not exist)."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "ASSISTANT_", "CHROMA_")) or name in (
            "DATABASE_URL",
            "MODERATORS_CHANNEL",
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(ENV_FILE_VARIABLE, str(NO_ENV_FILE))
    # chromadb's own settings read ./.env (here the checkout's) each time an index is opened: not in tests.
    monkeypatch.setitem(chromadb.config.Settings.model_config, "env_file", None)
    monkeypatch.chdir(REPO)


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return get_encoder()


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data")


@pytest.fixture()
def ctx(settings: Settings, encoder: Encoder) -> Iterator[Context]:
    context = Context(settings, encoder=encoder)  # share the session's encoder instead of loading it again
    yield context
    context.close()

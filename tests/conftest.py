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


#: Modules (or ``module::test``) whose tests take seconds each (end-to-end ingests, subprocesses, training, the
#: shipped heads on many texts, fuzzing): marked ``slow``, so ``make test-fast`` (``-m "not slow and not model and
#: not postgres and not packaging"``) runs in under a minute. Chosen with ``pytest --durations=40``; ``make test``
#: still runs them all.
SLOW_TESTS = frozenset(
    {
        "insights/test_aggregates.py",
        "insights/test_freshness.py",
        "insights/test_insights_bench.py",
        "moderation/test_clauses.py",
        "moderation/test_eval_and_demo.py",
        "reliability/test_event_fuzz.py",
        "reliability/test_export_fuzz.py",
        "slack/test_cli.py",
        "slack/test_socket_mode.py",
        "slack/test_surveys.py::test_survey_is_acked_before_a_slow_moderators_group_lookup",
        "judgments/test_claims_store.py",
        "judgments/test_chat_judgments.py",
        "judgments/test_cli.py",
        "judgments/test_engine.py",
        "judgments/test_swap.py",
        "judgments/test_train_and_eval.py",
        "foundation/test_startup.py",
        "insights/test_answers.py",
        "moderation/test_actions.py",
        "moderation/test_calibration.py",
        "moderation/test_flags.py",
        "moderation/test_grouping.py",
        "moderation/test_replay.py",
        "reliability/test_bad_records_ingest.py",
        "reliability/test_crash_recovery.py",
        "reliability/test_retention.py",
        "reliability/test_slack_faults.py",
        "reliability/test_store_concurrency.py",
        "reliability/test_store_migrations.py",
        "scale/test_replicas.py",
        "slack/test_assistant_thread.py",
        "slack/test_backfill.py",
        "slack/test_digest.py",
        "slack/test_home.py",
        "summaries/test_llm_path.py",
        "summaries/test_long_threads_and_recap.py",
        "summaries/test_thread_summary.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_dir = Path(__file__).parent
    for item in items:
        module = item.path.relative_to(tests_dir).as_posix()
        name = getattr(item, "originalname", item.name)
        if module in SLOW_TESTS or f"{module}::{name}" in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


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

"""A small hand-built workspace with known metric values (see ``workspace.py`` for the arithmetic).

Built once per session (tests only read it): a Context on its own data directory sharing the session encoder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.context import Context
from assistant.domain import Message
from assistant.encoder import Encoder
from tests.foundation.conftest import archive, archive_url  # noqa: F401  (SQLite + PostgreSQL, for the store tests)
from tests.insights.workspace import build_workspace


@pytest.fixture(scope="session")
def _built(
    tmp_path_factory: pytest.TempPathFactory, encoder: Encoder
) -> Iterator[tuple[Context, dict[str, Message]]]:
    data_dir: Path = tmp_path_factory.mktemp("insights") / "data"
    settings = load_settings(data_dir=data_dir, llm_provider="none", slack_workspace_url=None)
    context = Context(settings, encoder=encoder)
    named = build_workspace(context)
    yield context, named
    context.close()


@pytest.fixture()
def ws(_built: tuple[Context, dict[str, Message]]) -> Context:
    return _built[0]


@pytest.fixture()
def named(_built: tuple[Context, dict[str, Message]]) -> dict[str, Message]:
    return _built[1]

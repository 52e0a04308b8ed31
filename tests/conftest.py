"""Shared fixtures: a fresh data directory per test, one real encoder per session (loaded from the wheel)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from assistant.config import Settings, load_settings
from assistant.context import Context
from assistant.encoder import Encoder, get_encoder
from assistant.knowledge import default_knowledge_dir

REPO = Path(__file__).resolve().parent.parent
SAMPLE_WORKSPACE = default_knowledge_dir() / "sample_workspace"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read a developer's real tokens or data directory."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "ASSISTANT_", "CHROMA_")) or name in (
            "DATABASE_URL",
            "MODERATORS_CHANNEL",
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(REPO)


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return get_encoder()


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data")


@pytest.fixture()
def ctx(settings: Settings, encoder: Encoder) -> Iterator[Context]:
    context = Context(settings)
    context.__dict__["encoder"] = encoder  # share the session's encoder instead of loading it again
    yield context
    context.close()

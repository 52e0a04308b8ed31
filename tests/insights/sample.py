"""The bundled sample workspace ingested once per session (real encoder and judgment engine) for the twinning and
milestone tests, which check its known pairs and milestones. Import ``sample`` into a test module to use it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.context import Context
from assistant.encoder import Encoder
from tests.conftest import SAMPLE_WORKSPACE

#: Members of the sample workspace the known answers are about.
CHLOE, SAM, KENJI, LENA = "U06CD5B8WF", "U08SR2V6QM", "U03KW9T5NJ", "U07LM4UE2X"
BEN, DMITRI, PRIYA, INES = "U02BC7Y4MS", "U04DV6X2HQ", "U06PR1YA7K", "U09IC4N6WA"


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Context]:
    data_dir: Path = tmp_path_factory.mktemp("sample-known") / "data"
    ctx = Context(load_settings(data_dir=data_dir, llm_provider="none"), encoder=encoder)
    ctx.pipeline.ingest_export(SAMPLE_WORKSPACE)
    yield ctx
    ctx.close()

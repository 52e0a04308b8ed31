"""A built wheel carries what an installed assistant needs outside the repository: the trained artifacts,
the encoder adapter, the knowledge folder and the prompt templates."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.packaging
def test_wheel_bundles_knowledge_prompts_and_artifacts(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "assistant/knowledge_data/guidelines.md",
        "assistant/knowledge_data/facts.jsonl",
        "assistant/knowledge_data/sample_workspace_answers.json",
        "assistant/prompts_data/warn_member.md",
        "assistant/artifacts/judgments/manifest.json",
        "assistant/artifacts/encoder_adapter/adapter_model.safetensors",
    ):
        assert needed in names, needed

"""Start-up costs only what the command needs (issue 13): ``--help`` and the metric commands import no torch,
transformers or Chroma (those cost seconds before the first line of output). Checked in a fresh interpreter by
the modules it imported, not by timing it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import contextlib, io, json, sys
from assistant.cli.app import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
heavy = [m for m in ("torch", "transformers", "chromadb") if m in sys.modules]
print(json.dumps({"heavy": heavy, "out": out.getvalue()}))
"""


def _probe(*argv: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=120, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_help_imports_no_model_or_index_library() -> None:
    result = _probe("--help")
    assert result["heavy"] == []
    assert "ingest" in str(result["out"])


def test_metrics_on_an_empty_archive_imports_no_model_or_index_library(tmp_path: Path) -> None:
    result = _probe("metrics", "--json", "--data-dir", str(tmp_path / "data"))
    assert result["heavy"] == [], "a metric needs the archive, not the encoder or Chroma"
    assert json.loads(str(result["out"])) is not None


def test_policy_and_audit_import_no_model_or_index_library(tmp_path: Path) -> None:
    for argv in (["policy", "--json"], ["audit", "--format", "jsonl"]):
        result = _probe(*argv, "--data-dir", str(tmp_path / "data"))
        assert result["heavy"] == [], f"{argv[0]} reads policies and the audit log, never a model"

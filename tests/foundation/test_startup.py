"""Start-up costs only what the command needs (issue 13): ``--help`` and the metric commands import no torch,
transformers or Chroma (those cost seconds before the first line of output). Checked in a fresh interpreter by
the modules it imported, not by timing it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
learning = [m for m in ("sklearn", "scipy", "numpy") if m in sys.modules]
print(json.dumps({"heavy": heavy, "learning": learning, "out": out.getvalue()}))
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


#: Libraries an answer from the aggregates never needs: the models and the index (above), and those only wants,
#: topics, twinning, keyword retrieval, an LLM or a schema change use (each costs a third of a second to seconds).
LIBRARIES = ("torch", "transformers", "chromadb", "sklearn", "scipy", "langchain_core", "alembic", "numpy")

SEVERAL = """
import contextlib, io, json, sys
from assistant.cli.app import main
data_dir = sys.argv[1]
found = {}
for question in json.loads(sys.argv[2]):
    argv = ["ask", question, "--json", "--data-dir", data_dir] if question != "metrics" else [
        "metrics", "--json", "--data-dir", data_dir]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            main(argv)
        except SystemExit:
            pass
    answer = json.loads(out.getvalue())
    found[question] = {
        "libraries": [m for m in json.loads(sys.argv[3]) if m in sys.modules],
        "intent": answer.get("facts", {}).get("intent") if isinstance(answer, dict) else None,
    }
print(json.dumps(found))
"""


def test_answers_from_the_aggregates_import_no_model_index_or_learning_library(tmp_path: Path) -> None:
    """activity, mood, quiet members, contributors, newcomers and the metrics table: one fresh interpreter answers
    them in turn, and after each none of the libraries above is loaded (so none was imported by any of them)."""
    from assistant.config import load_settings
    from assistant.insights.bench import write_workspace

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_workspace(load_settings(data_dir=data_dir).archive_url, 400)
    questions = {
        "How active was #c01 in the past 10 days?": "activity",
        "How did #c02 feel this month?": "mood",
        "Who went quiet?": "quiet",
        "Who are the most active members in #c01?": "contributors",
        "Did anyone welcome the newcomers?": "newcomers",
        "metrics": None,
    }
    done = subprocess.run(
        [sys.executable, "-c", SEVERAL, str(data_dir), json.dumps(list(questions)), json.dumps(LIBRARIES)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    for question, intent in questions.items():
        assert found[question]["libraries"] == [], f"{question!r} imported {found[question]['libraries']}"
        assert found[question]["intent"] == intent, "the rules route it without the encoder"


def test_the_head_revision_read_from_the_files_is_alembics() -> None:
    """An archive at the head opens without Alembic, by the head read from the revision files: it must be the one
    Alembic finds."""
    from assistant.store import migrations
    from assistant.store.archive import _head_revision

    assert _head_revision() == migrations.head()


def test_members_digest_and_report_import_no_model_or_index_library(tmp_path: Path) -> None:
    """On an archive with messages, judgments and wants but no index yet (written straight into the store), the
    members, the digest and the report read the archive only: no encoder, no Chroma; and no scikit-learn or SciPy
    (their stop words and want labels are counted in plain Python). NumPy is still imported by twins' and wants'
    vectors (about 0.1 s) and by the report's charts."""
    from assistant.config import load_settings
    from assistant.insights.bench import write_workspace

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_workspace(load_settings(data_dir=data_dir).archive_url, 400)
    for argv in (["members"], ["digest"], ["report", "--out", str(tmp_path / "report.html")]):
        result = _probe(*argv, "--json", "--data-dir", str(data_dir))
        assert result["heavy"] == [], f"{argv[0]} imported {result['heavy']}"
        learning = [m for m in result["learning"] if m != "numpy"]  # type: ignore[attr-defined]
        assert learning == [], f"{argv[0]} imported {learning}"
        assert json.loads(str(result["out"])), f"{argv[0]} answered"


class _FakeEncoder:
    """Just enough of an encoder for the index: three-dimensional unit vectors."""

    source = "fake-encoder"
    dim = 3

    def __init__(self, version: str = "fake-1") -> None:
        self.version = version

    def encode(self, texts: list[str]) -> object:
        import numpy as np

        class Batch:
            vectors = np.tile(np.array([[1.0, 0.0, 0.0]], dtype=np.float32), (len(texts), 1))

        return Batch()


def test_an_index_written_under_the_encoders_key_opens_without_building_the_encoder(tmp_path: Path) -> None:
    """Reading stored vectors needs no encoder when the index was written under the same encoder key; another key
    whose encoder has another tag still empties the collection for re-indexing, and a collection from before keys
    gets its key recorded on the first open (which builds the encoder once)."""
    import numpy as np

    from assistant.domain import Message
    from assistant.store.index import EncoderKey, Index

    built: list[str] = []

    def provider(version: str = "fake-1") -> Callable[[], Any]:
        def make() -> _FakeEncoder:
            built.append(version)
            return _FakeEncoder(version)

        return make

    msgs = [Message(channel_id="C1", ts=f"{1700000000 + i}.000100", user_id="U1", text=f"m {i}") for i in range(3)]
    vectors = np.eye(3, dtype=np.float32)
    key = EncoderKey(source="fake-encoder", fingerprint="key-1")
    first = Index(provider(), path=tmp_path / "chroma", key=key)
    first.add_messages(msgs, vectors)
    assert built == ["fake-1"]
    again = Index(provider(), path=tmp_path / "chroma", key=key)
    assert sorted(again.message_vectors([m.key for m in msgs])) == sorted(m.key for m in msgs)
    assert again.count_messages() == 3 and not again.reset
    assert built == ["fake-1"], "the same key: the stored vectors are read without the encoder"
    other = Index(provider("fake-2"), path=tmp_path / "chroma", key=EncoderKey("fake-encoder", "key-2"))
    assert other.count_messages() == 0 and other.reset == {"messages"}

    old = tmp_path / "old"
    Index(_FakeEncoder(), path=old).add_messages(msgs, vectors)  # written before keys
    built.clear()
    assert Index(provider(), path=old, key=key).count_messages() == 3 and built == ["fake-1"]
    assert Index(provider(), path=old, key=key).count_messages() == 3 and built == ["fake-1"], "key recorded"


def test_wants_from_stored_themes_import_no_model_index_or_learning_library(tmp_path: Path) -> None:
    """Once the want themes were re-clustered (the scheduled job), "what does #X want?" reads the stored themes:
    no encoder, no Chroma (the wants' vectors are not read), no scikit-learn or SciPy (labels in plain Python)."""
    from assistant.clock import frozen_clock
    from assistant.config import load_settings
    from assistant.context import Context
    from assistant.insights.bench import NOW, index_wants, write_workspace

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    settings = load_settings(data_dir=data_dir, llm_provider="none")
    write_workspace(settings.archive_url, 1000)
    # the index's vectors, as one encoder pass at ingest would give
    ctx = Context(settings, clock=frozen_clock(NOW), encoder=_FakeEncoder())  # type: ignore[arg-type]
    try:
        assert index_wants(ctx, 1000) > 0
        assert ctx.insights.want_themes.recluster(at=NOW).wants > 0
    finally:
        ctx.close()
    result = _probe("ask", "What does #c02 want?", "--json", "--data-dir", str(data_dir))
    assert result["heavy"] == [], f"imported {result['heavy']}"
    assert [m for m in result["learning"] if m != "numpy"] == []  # type: ignore[attr-defined]
    answer = json.loads(str(result["out"]))
    assert answer["facts"]["intent"] == "wants"
    assert answer["facts"]["per_channel"][0]["wants"] > 0 and answer["facts"]["per_channel"][0]["themes"]


def test_members_read_twins_vectors_from_the_embedded_index_without_chromadb(tmp_path: Path) -> None:
    """With an embedded index written under the settings' encoder key, ``members`` reads the top members' vectors
    through Chroma's Rust core (``assistant.store.stored_vectors``): chromadb is not imported, and the twins are
    the ones found when the index is opened as before."""
    import random

    import numpy as np

    from assistant.config import load_settings
    from assistant.context import Context
    from assistant.insights.member_profiles import STATE_KEY as PROFILES_STATE_KEY
    from assistant.store.archive import Archive
    from assistant.store.encoder_key import encoder_key
    from assistant.store.index import Index
    from tests.insights.test_aggregate_twins import CHANNELS, MEMBERS, _messages

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    settings = load_settings(data_dir=data_dir, llm_provider="none")
    archive = Archive(settings.archive_url)
    msgs, stored = _messages(random.Random(1), 400)
    archive.upsert_channels(CHANNELS)
    archive.upsert_members(MEMBERS)
    archive.upsert_messages(msgs)
    archive.close()
    key = encoder_key(settings.encoder_model, int8=settings.encoder_int8)
    assert key is not None
    indexed = [m for m in msgs if m.key in stored]
    index = Index(_FakeEncoder(), path=settings.chroma_path, key=key)  # type: ignore[arg-type]
    index.add_messages(indexed, np.stack([stored[m.key] for m in indexed]))
    result = _probe("members", "--json", "--data-dir", str(data_dir))
    assert result["heavy"] == [], f"imported {result['heavy']}"
    twins = json.loads(str(result["out"]))["twins"]
    assert twins, "the workspace has twins to find"
    ctx = Context(settings, encoder=_FakeEncoder())  # type: ignore[arg-type]  # an encoder given: the index opens
    ctx.archive.forget_state(PROFILES_STATE_KEY)  # the profiles the probe kept: computed again, from the index
    try:
        opened = json.loads(ctx.insights.members_overview().model_dump_json())["twins"]
        assert "index" in ctx.__dict__
    finally:
        ctx.close()
    assert twins == opened

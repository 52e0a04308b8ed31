"""The claims store on SQLite and the real PostgreSQL: add, list, remove (audited), the knowledge seed, imports
of CSV and JSON lines fact-checks mapped by column name, and re-imports that encode nothing."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from assistant.claims import ClaimsService
from assistant.claims.models import ClaimInput, parse_verdict
from assistant.clock import frozen_clock
from assistant.encoder import EncodedBatch
from assistant.errors import AssistantError, NotFoundError
from assistant.knowledge import load_knowledge
from assistant.store import Archive
from tests.reliability.conftest import archive_url  # noqa: F401  (SQLite + PostgreSQL)

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class HashEncoder:
    """Bag of hashed words, unit length: fast and deterministic; counts what it encodes."""

    dim = 64
    version = "hash-test-1"

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> EncodedBatch:
        self.encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return EncodedBatch(out / np.maximum(norms, 1e-9))


@pytest.fixture()
def service(archive_url: str) -> Iterator[ClaimsService]:  # noqa: F811
    archive = Archive(archive_url)
    yield ClaimsService(archive, HashEncoder(), clock=frozen_clock(AT))  # type: ignore[arg-type]
    archive.close()


def test_add_list_remove_are_audited_and_matched(service: ClaimsService) -> None:
    claim = service.add(
        ClaimInput(
            text="The  library closes at noon on Fridays",
            verdict="misleading",
            correction="It closes at 6pm every day.",
            source_url="https://example.org/hours",
        ),
        "UMOD1",
        origin="slack",
        origin_ref="C1:1.0",
    )
    assert claim.text == "The library closes at noon on Fridays" and claim.added_at == AT
    assert [c.id for c in service.list()] == [claim.id]
    assert service.matrix().ids == [claim.id]
    again = service.add(ClaimInput(text="the library closes at NOON on fridays", verdict="false"), "UMOD2")
    assert again.id == claim.id and len(service.list()) == 1  # the same words are the same claim
    service.remove(claim.id, "UMOD1", reason="outdated")
    assert service.list() == [] and len(service.matrix()) == 0  # the matrix follows at once
    with pytest.raises(NotFoundError):
        service.remove(claim.id, "UMOD1")
    events = service.archive.audit()
    assert [(e.action, e.actor) for e in events] == [
        ("claim_added", "UMOD1"),
        ("claim_added", "UMOD2"),
        ("claim_removed", "UMOD1"),
    ]
    assert (
        events[0].target == f"claim:{claim.id}" and events[0].details["source_url"] == "https://example.org/hours"
    )
    assert events[2].reason == "outdated"


def test_the_knowledge_seed_is_added_once_and_a_removed_claim_stays_removed(service: ClaimsService) -> None:
    knowledge = load_knowledge()
    added = service.seed(knowledge)
    assert len(added) == len(knowledge.claims) > 0
    five_g = service.get("claim-5g-covid")
    assert five_g.verdict == "false" and five_g.refuted_by == "fact-5g-viruses" and "5G" in five_g.correction
    service.remove("claim-5g-covid", "cli:op")
    assert service.seed(knowledge) == []
    assert "claim-5g-covid" not in {c.id for c in service.list()}
    assert [e.action for e in service.archive.audit()] == ["claims_seeded", "claim_removed"]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_import_maps_columns_by_name_and_a_reimport_encodes_nothing(
    service: ClaimsService, tmp_path: Path
) -> None:
    # look-alike fact-checks written for this test
    path = _write_csv(
        tmp_path / "fact checks.csv",
        ["Claim ID", "Claim", "Headline", "Rating", "Review URL"],
        [
            [
                "1",
                "Eating carrots lets you see in the dark",
                "Do Carrots Give Night Vision?",
                "Mostly False",
                "https://x/1",
            ],
            ["2", "The bridge was closed for repairs in May", "Was the Bridge Closed?", "True", ""],
            ["3", "A new tax on bicycles starts next year", "Bicycle Tax?", "who knows", ""],
            ["4", "", "no text", "False", ""],
        ],
    )
    encoder: HashEncoder = service.encoder  # type: ignore[assignment]
    report = service.import_file(path, "cli:op")
    assert (report.rows, report.added, report.unchanged, report.encoded) == (4, 3, 0, 3)
    assert report.columns == {
        "text": "Claim",
        "title": "Headline",
        "verdict": "Rating",
        "source_url": "Review URL",
        "id": "Claim ID",
    }
    assert report.problems == ["line 5: no claim text; skipped"]
    claims = {c.id: c for c in service.list()}
    assert claims["fact-checks-1"].verdict == "false" and claims["fact-checks-1"].source_url == "https://x/1"
    assert claims["fact-checks-2"].verdict == "true"
    assert claims["fact-checks-3"].verdict == "unproven"  # an unknown rating: the default verdict
    assert claims["fact-checks-1"].title == "Do Carrots Give Night Vision?"
    before = encoder.encoded
    again = service.import_file(path, "cli:op")
    assert (again.added, again.updated, again.unchanged, encoder.encoded - before) == (0, 0, 3, 0)
    assert len(service.matrix()) == 3
    [first, second] = service.archive.audit(action="claims_imported")
    assert first.details["added"] == 3 and second.details["unchanged"] == 3


def test_import_reads_json_lines_and_named_mappings(service: ClaimsService, tmp_path: Path) -> None:
    path = tmp_path / "checks.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(r)
            for r in (
                {
                    "statement": "Wi-Fi routers cause headaches",
                    "verdict": "false",
                    "what is true": "No link found.",
                },
                {"statement": "The river froze over last winter", "verdict": "true"},
            )
        )
        + "\n",
        encoding="utf-8",
    )
    report = service.import_file(path, "cli:op", default_verdict="false", id_prefix="")
    assert report.added == 2 and report.columns["text"] == "statement"
    assert {c.text: c.correction for c in service.list()}["Wi-Fi routers cause headaches"] == "No link found."
    with pytest.raises(AssistantError, match="no column"):
        service.import_file(path, "cli:op", mapping={"text": "nope"})


def test_the_same_claim_listed_twice_is_stored_once_whatever_its_quotes(
    service: ClaimsService, tmp_path: Path
) -> None:
    # a fact-check list holding one claim twice, the second copy with its quotes changed (as in real databases)
    path = _write_csv(
        tmp_path / "checks.csv",
        ["claim_id", "claim", "title"],
        [
            ["7", 'The mayor "banned" bicycles downtown.', "Did the Mayor Ban Bicycles?"],
            ["8", "The river froze over last winter", ""],
            ["9", "the mayor 'banned' BICYCLES downtown", "Did the Mayor Ban Bicycles?"],
            ["7", "A different text under an id already read", ""],
        ],
    )
    report = service.import_file(path, "cli:op")
    assert (report.rows, report.added, report.duplicates) == (4, 2, 2)
    assert report.problems == [
        "line 4: the same claim as line 2 again; skipped",
        "line 5: the same claim again; skipped",
    ]
    assert {c.id for c in service.list()} == {"checks-7", "checks-8"}  # the first of the two is kept

    # a later file (another source) with the same claim under its own id: the stored claim stays the one
    later = _write_csv(tmp_path / "later.csv", ["id", "claim"], [["1", "The Mayor banned bicycles downtown!"]])
    again = service.import_file(later, "cli:op")
    assert (again.added, again.duplicates, again.encoded) == (0, 1, 0)
    assert again.problems == ["later-1: the same claim as checks-7; skipped"]
    assert len(service.matrix()) == 2


def test_import_of_10k_claims_writes_them_in_bulk(service: ClaimsService, tmp_path: Path) -> None:
    rows = [[str(i), f"claim number {i} says the moon is made of cheese type {i % 97}"] for i in range(10_000)]
    path = _write_csv(tmp_path / "big.csv", ["id", "claim"], rows)
    report = service.import_file(path, "cli:op")
    assert report.added == 10_000 and service.store.count() == 10_000
    matrix = service.matrix()
    assert len(matrix) == 10_000 and matrix.bm25 is not None  # the hybrid ranking engages with a population
    assert len(service.archive.audit(action="claims_imported")) == 1  # one audit event for the whole file


def test_verdicts_are_read_from_fact_checkers_ratings() -> None:
    assert parse_verdict("Pants on Fire") == "false"
    assert parse_verdict("MIXTURE") == "misleading"
    assert parse_verdict("mostly-true") == "true"
    assert parse_verdict("Unproven") == "unproven"
    assert parse_verdict("satire?") is None

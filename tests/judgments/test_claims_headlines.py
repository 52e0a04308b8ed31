"""Claims' headlines in the ranking (issue 18): an import encodes them by default, a claim stored without its
headline's vector gets it on the next import (and only then), and the headline's cosine joins the ranking as a
third z-scored term, a claim without a headline counting its text's cosine there."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.claims import ClaimsService
from assistant.claims.matrix import (
    BM25_WEIGHT,
    HEADLINE_CANDIDATES,
    HYBRID_MIN_CLAIMS,
    TITLE_WEIGHT,
    ClaimMatrix,
    _z,
    tokenize,
)
from assistant.clock import frozen_clock
from assistant.judgments.bench import with_extra_claims
from assistant.store import Archive
from tests.judgments.test_claims_store import AT, HashEncoder


@pytest.fixture()
def service(tmp_path: Path) -> Iterator[ClaimsService]:
    archive = Archive(f"sqlite:///{tmp_path / 'claims.sqlite3'}")
    yield ClaimsService(archive, HashEncoder(), clock=frozen_clock(AT))  # type: ignore[arg-type]
    archive.close()


def _write(path: Path) -> Path:
    # look-alike fact-checks written for this test
    rows = [
        ["1", "Eating carrots lets you see in the dark", "Do Carrots Give Night Vision?"],
        ["2", "The bridge was closed for repairs in May", ""],
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "claim", "title"])
        writer.writerows(rows)
    return path


def test_an_import_encodes_headlines_and_a_claim_without_one_counts_its_text(
    service: ClaimsService, tmp_path: Path
) -> None:
    encoder: HashEncoder = service.encoder  # type: ignore[assignment]
    report = service.import_file(_write(tmp_path / "checks.csv"), "cli:op")
    assert report.encoded == 2 and encoder.encoded == 3  # two texts and one headline
    matrix = service.matrix()
    assert matrix.headlines is not None
    titled, untitled = matrix.ids.index("checks-1"), matrix.ids.index("checks-2")
    [headline] = encoder.encode(["Do Carrots Give Night Vision?"]).vectors
    assert np.allclose(matrix.headlines[titled], headline)
    assert np.allclose(matrix.headlines[untitled], matrix.claims[untitled])
    assert np.array_equal(matrix.ranking, matrix.claims)  # the text's own vector, not a mean with the headline


def test_headlines_stored_without_vectors_are_encoded_on_the_next_import_only(
    service: ClaimsService, tmp_path: Path
) -> None:
    encoder: HashEncoder = service.encoder  # type: ignore[assignment]
    path = _write(tmp_path / "checks.csv")
    service.import_file(path, "cli:op", encode_titles=False)
    assert encoder.encoded == 2 and service.matrix().headlines is None
    again = service.import_file(path, "cli:op")
    assert (again.updated, again.unchanged, encoder.encoded) == (1, 1, 4)  # the titled claim: text and headline
    assert service.matrix().headlines is not None
    third = service.import_file(path, "cli:op")
    assert (third.unchanged, third.encoded, encoder.encoded) == (2, 0, 4)
    fourth = service.import_file(path, "cli:op", encode_titles=False)  # stored headline vectors are kept
    assert fourth.encoded == 0 and service.matrix().headlines is not None


def _matrix(n: int, dim: int = 16, with_titles: bool = True) -> ClaimMatrix:
    rng = np.random.default_rng(3)
    unit = rng.normal(size=(2 * n, dim)).astype(np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    titles = unit[n:] if with_titles else np.zeros((n, dim), dtype=np.float32)
    return ClaimMatrix.build(
        ids=[f"c{i}" for i in range(n)],
        texts=[f"claim {i} about topic {i % 7}" for i in range(n)],
        titles=[f"headline {i}" if with_titles else "" for i in range(n)],
        verdicts=["false"] * n,
        corrections=[""] * n,
        source_urls=[""] * n,
        refuted_by=[""] * n,
        claims=unit[:n],
        title_vectors=titles,
        correction_vectors=np.zeros((n, dim), dtype=np.float32),
    )


def test_the_headline_cosine_is_a_third_z_scored_term() -> None:
    m = _matrix(HYBRID_MIN_CLAIMS)
    assert m.headlines is not None and m.bm25 is not None
    v = m.headlines[42]  # a message saying what claim 42's headline says
    text = "something about topic 3"
    want = _z(m.claims @ v) + TITLE_WEIGHT * _z(m.headlines @ v) + BM25_WEIGHT * _z(m.bm25.scores(tokenize(text)))
    assert np.allclose(m.scores(text, v), want, atol=1e-5)
    without = _matrix(HYBRID_MIN_CLAIMS, with_titles=False)
    position = int((m.scores(text, v) > m.scores(text, v)[42]).sum())
    assert position < int((without.scores(text, v) > without.scores(text, v)[42]).sum())


def test_without_headline_vectors_the_ranking_is_as_before() -> None:
    m = _matrix(HYBRID_MIN_CLAIMS, with_titles=False)
    assert m.headlines is None and m.bm25 is not None
    v = m.claims[7]
    want = _z(m.claims @ v) + BM25_WEIGHT * _z(m.bm25.scores(tokenize("x")))
    assert np.allclose(m.scores("x", v), want, atol=1e-5)
    small = _matrix(5)  # a handful of claims: cosine with the texts alone
    assert small.bm25 is None and np.allclose(small.scores("x", small.claims[1]), small.claims @ small.claims[1])


def test_the_bench_gives_its_synthetic_claims_headlines() -> None:
    m = with_extra_claims(_matrix(5, with_titles=False), 200)
    assert len(m) == 205 and m.headlines is not None
    assert np.allclose(m.headlines[:5], m.claims[:5])  # the real claims without a headline count their text
    assert np.allclose(np.linalg.norm(m.headlines[5:], axis=1), 1.0, atol=1e-5)


def test_rank_adds_the_headline_term_to_the_best_candidates_with_exact_z_scores() -> None:
    m = _matrix(3 * HEADLINE_CANDIDATES)
    assert m.headlines is not None
    rng = np.random.default_rng(5)
    for i in range(20):
        v = m.claims[i] + m.headlines[(7 * i) % len(m)] + 0.5 * rng.normal(size=m.claims.shape[1])
        v = (v / np.linalg.norm(v)).astype(np.float32)
        text = f"claim about topic {i % 7}"
        exact = m.scores(text, v)
        rows = np.arange(len(m))[:HEADLINE_CANDIDATES]
        assert np.allclose(m._headline_z(v, rows), _z(m.headlines @ v)[rows], atol=1e-4)
        assert m.rank(text, v, k=5) == [int(r) for r in np.argsort(-exact, kind="stable")[:5]]

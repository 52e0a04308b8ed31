"""Claim retrieval on CLEF-2020 CheckThat! Task 2: does a tweet's nearest fact-checked claim come first?

Dataset: ``checkthat2020_claim_retrieval`` (10,375 Snopes verified claims with headlines; tweets with the gold
claim ids they repeat). Official measure: MAP@5; also MRR and P@1.

System: the matcher the product uses. The verified claims go through ``ClaimsService.import_file`` (the code
``assistant claims import`` runs) into an archive kept in the cache folder (a second run encodes nothing), and every
tweet is ranked by ``ClaimMatrix.rank`` (the ranking the judgment engine's ``ClaimMatcher`` uses: cosine over the
cached claim matrix, z-summed with the headlines' cosine and the matrix's own sparse BM25 over normalised text; the
import encodes headlines, as ``assistant claims import`` does by default). On dev and test the train tweets are
imported as confirmed repeats of their claims (``assistant claims import-repeats``: ``assistant.claims.repeats``), as
a community importing labelled posts would; ``no_repeats`` is the same matcher without them, and the train split is
always ranked without them. Baselines in the same run: BM25
(``rank_bm25`` over claim and headline) with the product's tokenizer, and with bare lower-cased words (the tokenizer
before issue 18), the matrix's cosine alone, and the previous release's matcher (``hybrid_no_headline``: the same
without the headline term). Nothing is tuned here: the tokenizer and the BM25 and headline weights were chosen on the
train split (``assistant.claims.matrix``).
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.claims.matrix import BM25_WEIGHT, plain_tokenize, tokenize
from assistant.training.cache import default_cache_dir
from evals.baselines import bm25_scores
from evals.harness import EvalResult, EvalTask, register, rounded

logger = logging.getLogger(__name__)

DATASET = "checkthat2020_claim_retrieval"
K = 5


def _scores(rankings: list[list[int]], gold: list[set[int]]) -> dict[str, float]:
    aps, rrs, p1 = [], [], []
    for top, rel in zip(rankings, gold, strict=True):
        hits, ap = 0, 0.0
        for r, i in enumerate(top[:K]):
            if i in rel:
                hits += 1
                ap += hits / (r + 1)
        aps.append(ap / min(len(rel), K) if rel else 0.0)
        first = next((r for r, i in enumerate(top) if i in rel), None)
        rrs.append(0.0 if first is None else 1.0 / (first + 1))
        p1.append(float(bool(top) and top[0] in rel))
    return {"map@5": float(np.mean(aps)), "mrr": float(np.mean(rrs)), "p@1": float(np.mean(p1))}


def _top(scores: np.ndarray, k: int = 100) -> list[int]:
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    return [int(i) for i in top[np.argsort(-scores[top], kind="stable")]]


def _zscore(scores: np.ndarray) -> np.ndarray:
    std = float(scores.std())
    return (scores - float(scores.mean())) / std if std > 1e-12 else np.zeros_like(scores)


def run(folder: Path, split: str, runtime: Any) -> list[EvalResult]:
    from assistant.claims import ClaimsService
    from assistant.store import Archive

    started = time.perf_counter()
    with (folder / f"{split}.csv").open(encoding="utf-8", newline="") as fh:
        tweets = list(csv.DictReader(fh))
    cache = getattr(getattr(runtime, "settings", None), "cache_dir", None) or default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    # v2: claims listed twice are stored once (an archive imported before that holds both copies); headlines are
    # encoded since, and a v2 archive gets them on its next import (those claims are encoded again)
    archive = Archive(f"sqlite:///{cache / 'eval-checkthat-claims-v2.sqlite3'}")
    try:
        service = ClaimsService(archive, runtime.encoder)
        report = service.import_file(folder / "verified_claims.csv", "eval", id_prefix="ct-")
        # The train tweets are confirmed repeats of their claims (``assistant claims import-repeats``), as a
        # community importing labelled posts would have them; the train split itself is ranked without them.
        repeats = service.confirmed.import_file(folder / "train.csv", "eval", id_prefix="ct-")
        matrix = service.matrix()
    finally:
        archive.close()
    without = dataclasses.replace(matrix, repeats=None, repeat_rows=None)
    if split == "train":
        matrix = without
    row_of = {cid: r for r, cid in enumerate(matrix.ids)}
    gold = [{row_of[f"ct-{c}"] for c in t["claim_ids"].split(";") if f"ct-{c}" in row_of} for t in tweets]
    # A gold claim the import skipped as a later copy of another claim counts as a miss (its id is never ranked).
    gold_skipped = sum(1 for t in tweets for c in t["claim_ids"].split(";") if f"ct-{c}" not in row_of)
    texts = [t["text"] for t in tweets]
    t0 = time.perf_counter()
    vectors = runtime.encoder.encode(texts).vectors
    encode_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    product = [matrix.rank(text, v, k=100) for text, v in zip(texts, vectors, strict=True)]
    rank_ms = (time.perf_counter() - t0) * 1000 / max(1, len(texts))
    no_repeats = [without.rank(text, v, k=100) for text, v in zip(texts, vectors, strict=True)]
    cosine = [_top(matrix.ranking @ v) for v in vectors]
    docs = [f"{t} {h}" for t, h in zip(matrix.texts, matrix.titles, strict=True)]
    sparse = [_top(s) for s in bm25_scores(docs, texts, tokenize)]
    sparse_plain = [_top(s) for s in bm25_scores(docs, texts, plain_tokenize)]
    before = []
    for text, v in zip(texts, vectors, strict=True):
        dense_z = _zscore(matrix.ranking @ v)
        lexical_z = _zscore(matrix.bm25.scores(tokenize(text))) if matrix.bm25 is not None else 0.0
        before.append(_top(dense_z + BM25_WEIGHT * lexical_z))

    ours, dense, lexical = _scores(product, gold), _scores(cosine, gold), _scores(sparse, gold)
    plain = _scores(sparse_plain, gold)
    previous = _scores(before, gold)
    plain_matcher = _scores(no_repeats, gold)
    seconds = time.perf_counter() - started
    logger.info("checkthat eval: %d tweets, %d claims, %.1fs", len(texts), len(matrix), seconds)
    return [
        EvalResult(
            dataset=DATASET,
            task="claim_retrieval",
            metric="MAP@5",
            value=round(ours["map@5"], 4),
            baselines={
                "bm25": round(lexical["map@5"], 4),
                "bm25_plain": round(plain["map@5"], 4),
                "cosine": round(dense["map@5"], 4),
                "hybrid_no_headline": round(previous["map@5"], 4),
                "no_repeats": round(plain_matcher["map@5"], 4),
            },
            n=len(texts),
            extra={
                "split": split,
                "claims": len(matrix),
                "system": "ClaimMatrix.rank (product matcher: z(cosine) + t z(headline cosine) + w z(BM25))",
                "headlines_encoded": matrix.headlines is not None,
                "product": rounded(ours),
                "bm25": rounded(lexical),
                "cosine": rounded(dense),
                "bm25_plain": rounded(plain),
                "hybrid_no_headline": rounded(previous),
                "no_repeats": rounded(plain_matcher),
                "repeats": 0 if matrix.repeat_rows is None else len(matrix.repeat_rows),  # none on train
                "repeats_added": repeats.added,
                "duplicates_skipped": report.duplicates,
                "gold_skipped_as_duplicates": gold_skipped,
                "import_seconds": report.seconds,
                "claims_encoded": report.encoded,
                "encode_seconds": round(encode_seconds, 1),
                "rank_ms_per_tweet": round(rank_ms, 2),
                "seconds": round(seconds, 1),
            },
        )
    ]


TASK = register(EvalTask(dataset=DATASET, task="claim_retrieval", run=run))

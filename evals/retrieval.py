"""Retrieval quality on real Slack Q&A chats: does a thread's first message retrieve its own thread's replies?

Dataset: ``slack_qa_chats_disentangled`` (three Slack communities; conversations from an automatic
disentanglement model, expressed as Slack threads — silver labels).

Split mapping (the folder holds only the shared part of the data; the held-out part lives elsewhere):
threads with at least ``MIN_REPLIES`` replies and a first message of at least 20 characters are shuffled with a
fixed seed; ``dev`` is the first ``N_THREADS`` of that order, ``test`` the next ``N_THREADS`` (disjoint).

Corpus: the first ``MAX_THREAD_MESSAGES`` messages of each sampled thread plus ``N_DISTRACTORS`` other messages drawn with the same seed
from the same channels. Each thread's first message is the query, searched against the corpus without itself.

Metric: ``recall@5`` = |top-5 ∩ same-thread messages| / min(5, number of same-thread messages), averaged over
queries (1.0 means the top 5 are all from the thread, or hold the whole thread when it is shorter). Also reported:
hit@5 (any same-thread message in the top 5) and MRR. Systems, in the same run: the encoder (MiniLM cosine, the
vectors the index stores), BM25 (``rank_bm25``, the baseline) and their reciprocal-rank fusion (what ``ask`` uses).
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from assistant.domain import Message
from assistant.ingest import read_export
from assistant.insights.keywords import fuse, tokenize
from evals.baselines import bm25_scores
from evals.harness import EvalResult, EvalTask, register, rounded

logger = logging.getLogger(__name__)

DATASET = "slack_qa_chats_disentangled"
N_THREADS = 200
N_DISTRACTORS = 1000
#: Long threads are cut to their first messages so the corpus (and the encoding time) stays bounded.
MAX_THREAD_MESSAGES = 8
MIN_REPLIES = 2
K = 5
SEED = 13


class RetrievalTask(EvalTask):
    """The folder is a Slack export, not split files: present when ``channels.json`` is there."""

    def files_present(self, folder: Path, split: str) -> bool:
        return split in ("dev", "test") and (folder / "channels.json").exists()


def _threads(messages: list[Message]) -> dict[tuple[str, str], list[Message]]:
    threads: dict[tuple[str, str], list[Message]] = defaultdict(list)
    for m in messages:
        if m.thread_ts:
            threads[(m.channel_id, m.thread_ts)].append(m)
    return {
        k: sorted(v, key=lambda m: float(m.ts))[:MAX_THREAD_MESSAGES]
        for k, v in threads.items()
        if len(v) > MIN_REPLIES and v[0].ts == k[1] and len(v[0].text) >= 20
    }


def _scores(ranked: list[list[int]], relevant: list[set[int]]) -> dict[str, float]:
    recall, hit, rr = [], [], []
    for top, rel in zip(ranked, relevant, strict=True):
        got = [i in rel for i in top[:K]]
        recall.append(sum(got) / min(K, len(rel)))
        hit.append(float(any(got)))
        first = next((r for r, i in enumerate(top) if i in rel), None)
        rr.append(1.0 / (first + 1) if first is not None else 0.0)
    return {"recall@5": float(np.mean(recall)), "hit@5": float(np.mean(hit)), "mrr": float(np.mean(rr))}


def run(folder: Path, split: str, runtime: Any) -> list[EvalResult]:
    started = time.perf_counter()
    contents = read_export(folder)
    talk = [m for m in contents.messages if m.is_human and m.text.strip()]
    threads = _threads(talk)
    keys = sorted(threads)
    rng = random.Random(SEED)
    rng.shuffle(keys)
    offset = 0 if split == "dev" else N_THREADS
    chosen = keys[offset : offset + N_THREADS]
    in_threads = {m.key for k in chosen for m in threads[k]}
    others = [m for m in talk if m.key not in in_threads]
    distractors = rng.sample(others, min(N_DISTRACTORS, len(others)))
    corpus = [m for k in chosen for m in threads[k]] + distractors
    position = {m.key: i for i, m in enumerate(corpus)}
    queries = [position[threads[k][0].key] for k in chosen]
    relevant = [{position[m.key] for m in threads[k][1:]} for k in chosen]

    t0 = time.perf_counter()
    vectors = runtime.encoder.encode([m.text for m in corpus]).vectors
    encode_seconds = time.perf_counter() - t0
    sims = vectors[queries] @ vectors.T
    sims[np.arange(len(queries)), queries] = -np.inf
    dense = [list(np.argsort(-row, kind="stable")[:50]) for row in sims]

    sparse = []
    texts = [m.text for m in corpus]
    for q, s in zip(queries, bm25_scores(texts, [texts[q] for q in queries], tokenize), strict=True):
        s[q] = -np.inf
        sparse.append(list(np.argsort(-s, kind="stable")[:50]))
    hybrid = [
        [int(i) for i in fuse([[str(i) for i in d], [str(i) for i in b]], 50)]
        for d, b in zip(dense, sparse, strict=True)
    ]
    dense_scores = _scores([[int(i) for i in r] for r in dense], relevant)
    bm25_figures = _scores([[int(i) for i in r] for r in sparse], relevant)
    hybrid_scores = _scores(hybrid, relevant)
    seconds = time.perf_counter() - started
    logger.info("retrieval eval: %d queries, corpus %d, %.1fs", len(queries), len(corpus), seconds)
    return [
        EvalResult(
            dataset=DATASET,
            task="retrieval",
            metric="recall@5",
            value=round(dense_scores["recall@5"], 4),
            baselines={"bm25": round(bm25_figures["recall@5"], 4)},
            n=len(queries),
            extra={
                "split": split,
                "corpus": len(corpus),
                "system": "MiniLM cosine (index vectors)",
                "encoder": rounded(dense_scores),
                "bm25": rounded(bm25_figures),
                "hybrid_rrf": rounded(hybrid_scores),
                "encode_seconds": round(encode_seconds, 1),
                "seconds": round(seconds, 1),
            },
        )
    ]


TASK = register(RetrievalTask(dataset=DATASET, task="retrieval", run=run))


if __name__ == "__main__":  # pragma: no cover - manual run: python -m evals.retrieval [split]
    import json
    import sys

    from assistant.encoder import get_encoder

    class _Runtime:
        encoder = get_encoder()

    split_name = sys.argv[1] if len(sys.argv) > 1 else "dev"
    root = Path(__file__).resolve().parents[2] / "shared" / "data" / DATASET
    for result in run(root, split_name, _Runtime()):
        print(json.dumps(result.model_dump(), indent=2))

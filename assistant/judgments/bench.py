"""Speed of the whole judgment pass against the encoder alone and a RoBERTa-base sequence classifier.

All three run in the same process on the same short chat messages at batch size 1 (a live Slack event), so
the ratios are fair on whatever machine runs it. RoBERTa-base has random weights built from ``RobertaConfig()``
(no download): only its speed matters, with token ids of realistic length from the MiniLM tokenizer.
"""

from __future__ import annotations

import logging
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel

from assistant.claims.matrix import ClaimMatrix
from assistant.domain import Message

logger = logging.getLogger(__name__)

#: Short chat messages written for this benchmark (typical Slack lengths). One in forty is rude (it pays for a
#: span) and one repeats a known false claim (it pays for the Chroma look-ups), about what a busy channel sees.
CHAT_MESSAGES = (
    "morning all! anyone around to review my PR?",
    "thanks, that fixed it",
    "can we move the standup to 10 tomorrow?",
    "lol same",
    "I think the docs for the install step are out of date",
    "it would be great to have a dark mode in the dashboard",
    "has anyone tried the new release on windows yet?",
    "meeting notes are in the shared folder",
    "ugh the build is broken again",
    "nice work on the launch everyone :tada:",
    "please stop posting the same link in every channel, it's spam",
    "could someone add me to the events channel?",
    "you are an idiot and nobody wants you here",
    "I heard 5G towers spread the coronavirus, is that true?",
    "the meetup is on thursday at 6pm, pizza included",
    "we need more volunteers for the weekend workshop",
    "does anyone know a good intro book on statistics?",
    "this is the worst update ever, everything is slow now",
    "happy friday folks",
    "brb, grabbing coffee",
    "where do I find the onboarding guide?",
    "the slides from last week are pinned in the channel",
    "I'll be ten minutes late",
    "congrats on the new job!",
    "is the wifi password still the same?",
    "can someone explain how the review rotation works?",
    "we should start the workshop a bit earlier next time",
    "just pushed the fix, let me know if it works for you",
    "the venue changed to room 4b",
    "any recommendations for a good mechanical keyboard?",
    "I don't think that's right, the API returns a list",
    "that talk was really inspiring",
    "reminder: sign up for the hackathon by friday",
    "sorry, wrong channel",
    "does the meetup have a remote option?",
    "I love how helpful everyone is here",
    "the CI is green again",
    "please add captions to the recordings",
    "what time zone is the call in?",
    "see you all next week",
)


class BenchResult(BaseModel):
    messages: int
    judgment_msgs_per_s: float
    encoder_msgs_per_s: float
    roberta_msgs_per_s: float
    p50_ms: float
    p95_ms: float
    encoder_p50_ms: float
    encoder_p95_ms: float
    roberta_p50_ms: float
    judgment_vs_encoder: float
    judgment_vs_roberta: float
    encoder_batch32_msgs_per_s: float
    judgment_batch32_msgs_per_s: float
    peak_rss_mb: float
    torch_threads: int
    claims: int = 0


def _timed(fn: Callable[[int], object], n: int, warmup: int = 5) -> np.ndarray:
    for i in range(warmup):
        fn(i)
    out = np.zeros(n)
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        out[i] = time.perf_counter() - start
    return out


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def with_extra_claims(matrix: ClaimMatrix, extra: int, seed: int = 0) -> ClaimMatrix:
    """``matrix`` plus ``extra`` synthetic claims: random unit vectors and texts of random everyday words, so the
    matching cost (one dense product over every claim, the sparse BM25 product, z-scores) is that of a store of
    that size. The real claims stay, so the message that repeats one still goes through the whole match."""
    if extra <= 0:
        return matrix
    rng = np.random.default_rng(seed)
    dim = matrix.claims.shape[1]
    vectors = rng.normal(size=(extra, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = sorted({w for t in CHAT_MESSAGES for w in t.lower().split()})
    texts = [" ".join(rng.choice(words, size=12)) for _ in range(extra)]
    headlines = rng.normal(size=(extra, dim)).astype(np.float32)  # every synthetic claim has a headline vector,
    headlines /= np.linalg.norm(headlines, axis=1, keepdims=True)  # as an imported fact-check has by default
    blank = [""] * extra
    return ClaimMatrix.build(
        ids=[*matrix.ids, *(f"bench-{i}" for i in range(extra))],
        texts=[*matrix.texts, *texts],
        titles=[*(matrix.titles or [""] * len(matrix)), *blank],
        verdicts=[*matrix.verdicts, *(["false"] * extra)],
        corrections=[*matrix.corrections, *blank],
        source_urls=[*matrix.source_urls, *blank],
        refuted_by=[*matrix.refuted_by, *blank],
        claims=np.vstack([matrix.claims, vectors]),
        title_vectors=np.vstack(
            [
                np.zeros((len(matrix), dim), dtype=np.float32) if matrix.headlines is None else matrix.headlines,
                headlines,
            ]
        ),
        correction_vectors=np.vstack([matrix.corrections_m, np.zeros((extra, dim), dtype=np.float32)]),
    )


def run_bench(ctx: object, n: int = 200, roberta_n: int | None = None, claims: int = 0) -> BenchResult:
    """Batch-1 timings of encoder, encoder + judgments, and RoBERTa-base, interleaved in one run; then
    batch-32 throughput of the encoder alone and with judgments (the ingest path). ``claims`` adds that many
    synthetic claims to the matcher's cached matrix for the run (see ``with_extra_claims``)."""
    from transformers import RobertaConfig, RobertaForSequenceClassification

    encoder = ctx.encoder  # type: ignore[attr-defined]
    judge = ctx.judge  # type: ignore[attr-defined]
    total_claims = 0
    if judge.claims is not None:
        loaded = with_extra_claims(judge.claims.matrix(), claims)
        judge.claims.attach(lambda: loaded)
        total_claims = len(loaded)
    texts = [CHAT_MESSAGES[i % len(CHAT_MESSAGES)] for i in range(n)]
    messages = [Message(channel_id="CBENCH", ts=f"{1700000000 + i}.000100", text=t) for i, t in enumerate(texts)]

    def encode_only(i: int) -> None:
        encoder.encode([texts[i % n]])

    def whole_pass(i: int) -> None:
        vectors = encoder.encode([texts[i % n]]).vectors
        judge.judge([messages[i % n]], vectors)

    torch.manual_seed(0)
    roberta = RobertaForSequenceClassification(RobertaConfig(num_labels=2)).eval()
    vocab = roberta.config.vocab_size

    @torch.inference_mode()
    def roberta_pass(i: int) -> None:
        batch = encoder.tokenize([texts[i % n]])
        ids = batch["input_ids"] % vocab
        roberta(input_ids=ids, attention_mask=batch["attention_mask"])

    for i in range(5):  # warm-up
        encode_only(i)
        whole_pass(i)
    enc_t, judge_t = np.zeros(n), np.zeros(n)
    for i in range(n):  # interleaved, so a busy neighbour on a shared machine slows both alike
        for fn, out in (
            ((encode_only, enc_t), (whole_pass, judge_t))
            if i % 2
            else (
                (whole_pass, judge_t),
                (encode_only, enc_t),
            )
        ):
            start = time.perf_counter()
            fn(i)
            out[i] = time.perf_counter() - start
    rob_t = _timed(roberta_pass, roberta_n or max(20, n // 4), warmup=2)
    # Ingest and backfill throughput: the same messages in batches of 32, encoder alone and with judgments.
    batch_texts, batch_messages = texts * 2, messages * 2
    start = time.perf_counter()
    encoder.encode(batch_texts)
    enc32_rate = len(batch_texts) / (time.perf_counter() - start)
    start = time.perf_counter()
    for b in range(0, len(batch_texts), 32):
        judge.judge(batch_messages[b : b + 32], encoder.encode(batch_texts[b : b + 32]).vectors)
    judge32_rate = len(batch_texts) / (time.perf_counter() - start)
    judge_rate = n / judge_t.sum()
    enc_rate = n / enc_t.sum()
    rob_rate = len(rob_t) / rob_t.sum()
    return BenchResult(
        messages=n,
        judgment_msgs_per_s=round(judge_rate, 1),
        encoder_msgs_per_s=round(enc_rate, 1),
        roberta_msgs_per_s=round(rob_rate, 1),
        p50_ms=round(float(np.percentile(judge_t, 50)) * 1000, 2),
        p95_ms=round(float(np.percentile(judge_t, 95)) * 1000, 2),
        encoder_p50_ms=round(float(np.percentile(enc_t, 50)) * 1000, 2),
        encoder_p95_ms=round(float(np.percentile(enc_t, 95)) * 1000, 2),
        roberta_p50_ms=round(float(np.percentile(rob_t, 50)) * 1000, 2),
        judgment_vs_encoder=round(judge_rate / enc_rate, 3),
        judgment_vs_roberta=round(judge_rate / rob_rate, 2),
        encoder_batch32_msgs_per_s=round(enc32_rate, 1),
        judgment_batch32_msgs_per_s=round(judge32_rate, 1),
        peak_rss_mb=_peak_rss_mb(),
        torch_threads=torch.get_num_threads(),
        claims=total_claims,
    )


class IngestRound(BaseModel):
    """One round of ``assistant bench --ingest``: the judgment pass, then an ingest into a fresh archive."""

    ingest_msgs_per_s: float
    judgment_batch32_msgs_per_s: float
    ingest_vs_judgment_batch32: float


class IngestBench(BaseModel):
    """``assistant bench --ingest``: a whole ingest against the judgment pass's own batch throughput, on the same
    texts in the same process (the issue's target: ingest at least 0.6 of the judgment pass). Each round times the
    judgment pass and then an ingest into a fresh archive, so the two share the machine's state of the moment; the
    figures are the rounds' medians, the ratio the median of the rounds' own ratios."""

    messages: int
    channels: int
    ingest_seconds: float
    ingest_msgs_per_s: float
    #: the judgment pass alone, just before each ingest (what each round's ratio compares with)
    judgment_batch32_msgs_per_s: float
    #: the same pass right after the ingest: lower while the store and Chroma still settle what was just written
    judgment_batch32_after_ingest_msgs_per_s: float
    ingest_vs_judgment_batch32: float
    rounds: list[IngestRound] = []
    #: whether ingest's bulk encodes ran the traced graph (the judgment pass, batch 32, runs it too once traced)
    encoder_graph: bool
    peak_rss_mb: float
    torch_threads: int


#: The synthetic export's shape: channels, members, and one day file per this many messages of a channel.
INGEST_CHANNELS = 8
INGEST_MEMBERS = 200
INGEST_PER_DAY = 60


def write_chat_export(folder: Path, n: int, seed: int = 3) -> None:
    """A Slack export of ``n`` of ``CHAT_MESSAGES`` (each numbered, so no two are the same text) in
    ``INGEST_CHANNELS`` channels over consecutive days, about a third of them thread replies."""
    import json
    import random

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    channels = [{"id": f"CI{i:04d}", "name": f"chat-{i}", "created": 1767225600} for i in range(INGEST_CHANNELS)]
    users = [{"id": f"UI{i:05d}", "name": f"person{i}", "real_name": f"Person {i}"} for i in range(INGEST_MEMBERS)]
    for c in channels:
        c["members"] = [u["id"] for u in users]
    (folder / "channels.json").write_text(json.dumps(channels))
    (folder / "users.json").write_text(json.dumps(users))
    per_channel: dict[str, list[dict[str, object]]] = {str(c["name"]): [] for c in channels}
    start = 1767603600.0  # 2026-01-05 09:00 UTC
    for i in range(n):
        name = str(channels[i % INGEST_CHANNELS]["name"])
        day = len(per_channel[name]) // INGEST_PER_DAY
        t = start + day * 86400 + (len(per_channel[name]) % INGEST_PER_DAY) * 600 + i % INGEST_CHANNELS
        record: dict[str, object] = {
            "type": "message",
            "user": users[rng.randrange(INGEST_MEMBERS)]["id"],
            "text": f"{CHAT_MESSAGES[rng.randrange(len(CHAT_MESSAGES))]} ({i})",
            "ts": f"{t:.6f}",
        }
        tops = [m for m in per_channel[name][-10:] if "parent_user_id" not in m]
        if tops and rng.random() < 0.33:
            parent = rng.choice(tops)
            parent["thread_ts"] = parent["ts"]
            record["thread_ts"] = parent["ts"]
            record["parent_user_id"] = parent["user"]
        per_channel[name].append(record)
    for name, records in per_channel.items():
        (folder / name).mkdir(exist_ok=True)
        for first in range(0, len(records), INGEST_PER_DAY):
            when = time.strftime("%Y-%m-%d", time.gmtime(start + (first // INGEST_PER_DAY) * 86400))
            (folder / name / f"{when}.json").write_text(json.dumps(records[first : first + INGEST_PER_DAY]))


def _judgment_rate(judge: Any, encoder: Any, talk: list[Message]) -> float:
    """Messages per second of the judgment pass (encode, then judge) in batches of 32."""
    start = time.perf_counter()
    for b in range(0, len(talk), 32):
        batch = talk[b : b + 32]
        judge.judge(batch, encoder.encode([m.text for m in batch]).vectors)
    return len(talk) / (time.perf_counter() - start)


def run_ingest_bench(data_dir: Path, n: int = 2000, rounds: int = 3) -> IngestBench:
    """Ingest ``n`` synthetic chat messages into a fresh archive under ``data_dir``, ``rounds`` times (models loaded
    first, so only the ingest is timed: reading the export, storing, encoding, judging, indexing, moderation), each
    right after the judgment pass in batches of 32 on the same texts in the same process (the figure that round's
    ingest is compared with), and the pass again after it."""
    import shutil
    import statistics

    from assistant.cli.common import make_context
    from assistant.ingest import read_export

    if data_dir.exists():
        shutil.rmtree(data_dir)
    export = data_dir / "export"
    write_chat_export(export, n)
    talk = [m for m in read_export(export).messages if m.is_human and m.text.strip()]
    done: list[tuple[IngestRound, float, float]] = []
    graph = False
    inserted = channels = 0
    for r in range(max(1, rounds)):
        ctx = make_context(data_dir / f"data{r}")
        try:
            pipeline = ctx.pipeline  # the encoder, judge, index and moderation load here, before the clock starts
            judge, encoder = ctx.judge, ctx.encoder
            graph = encoder.prepare_bulk()  # so is the bulk encoder's traced graph (GRAPH_MIN_TEXTS)
            before = _judgment_rate(judge, encoder, talk)
            start = time.perf_counter()
            report = pipeline.ingest_export(export)
            seconds = time.perf_counter() - start
            after = _judgment_rate(judge, encoder, talk)
        finally:
            ctx.close()
        inserted, channels = report.upserts.inserted, report.channels
        rate = inserted / seconds
        one = IngestRound(
            ingest_msgs_per_s=round(rate, 1),
            judgment_batch32_msgs_per_s=round(before, 1),
            ingest_vs_judgment_batch32=round(rate / before, 3),
        )
        done.append((one, seconds, after))
        logger.info("ingest round %d: %s", r + 1, one.model_dump())
    return IngestBench(
        messages=inserted,
        channels=channels,
        ingest_seconds=round(statistics.median(s for _, s, _ in done), 2),
        ingest_msgs_per_s=round(statistics.median(o.ingest_msgs_per_s for o, _, _ in done), 1),
        judgment_batch32_msgs_per_s=round(statistics.median(o.judgment_batch32_msgs_per_s for o, _, _ in done), 1),
        judgment_batch32_after_ingest_msgs_per_s=round(statistics.median(a for _, _, a in done), 1),
        encoder_graph=graph,
        ingest_vs_judgment_batch32=round(statistics.median(o.ingest_vs_judgment_batch32 for o, _, _ in done), 3),
        rounds=[o for o, _, _ in done],
        peak_rss_mb=_peak_rss_mb(),
        torch_threads=torch.get_num_threads(),
    )

"""How insight answers scale with the archive: ``assistant bench --insights``.

A synthetic workspace of N messages (24 channels, 2,500 members, one year, about a third of the messages in
threads, every message judged) is written straight into the store, without the encoder. Then each kind of answer
is timed two ways, side by side in one run:

- *cold*: the CLI in a fresh process (``assistant ask … --json``), each run right after the CLI's bare start-up
  (``--help``) in a fresh process of its own, so "beyond start-up" is the median of three such pairs' differences
  (the machine's drift during the bench moves both of a pair alike); the peak RSS of each process (its own
  ``VmHWM``) is reported too;
- *warm*: the service in this process, answered again right after a new message arrived (so no cache of answers
  helps). The first answer of each kind in the process (which also imports that answer's modules and cuts every
  phrase the later ones reuse) is reported on its own as ``first_in_process_seconds``; the warm p50 and p95 are
  the rounds after it, as in a ``serve`` that has answered before.

Texts are generated from a small vocabulary: the numbers measure the store and the insight code, not the models.

Wants need what a deployment's ingest and scheduled job leave behind: after the archive is written, the judged
wants are encoded once and added to the index (as ingest does; only the wants, the one thing answers read vectors
of) and the want themes are re-clustered (``WantThemes.recluster``, the ``WantThemesTimer`` job), so "What does
#c02 want?" and the digest's wants are answered from stored themes, as in a deployment once the job ran.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from assistant.clock import frozen_clock
from assistant.domain import Channel, Judgment, Member, Message
from assistant.domain.judgments import MisinformationJudgment, SentimentJudgment, ToxicityJudgment, WantJudgment

logger = logging.getLogger(__name__)

CHANNELS = 24
MEMBERS = 2500
DAYS = 365
THREAD_SHARE = 0.33
#: "Now" of the synthetic workspace: its newest messages are from the day before.
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
SEED = 7
_WORDS = [
    "release",
    "deploy",
    "figma",
    "header",
    "palette",
    "docs",
    "review",
    "build",
    "test",
    "merge",
    "branch",
    "docs",
    "api",
    "schema",
    "dark",
    "mode",
    "search",
    "onboarding",
    "meetup",
    "slides",
    "budget",
    "roadmap",
    "bug",
    "crash",
    "login",
    "cache",
    "latency",
    "chart",
    "survey",
    "feedback",
    "design",
]
#: The questions timed, one per kind of answer (the CLI's ``ask``; ``metrics`` for the table of every channel,
#: ``members`` for the whole workspace's members with twins, ``digest`` for the weekly digest with milestones).
QUESTIONS: dict[str, list[str]] = {
    "activity": ["ask", "How active was #c01 in the past 10 days?"],
    "mood": ["ask", "How did #c02 feel this month?"],
    "quiet": ["ask", "Who went quiet?"],
    "metrics": ["metrics"],
    "members": ["members"],
    "digest": ["digest"],
    "wants": ["ask", "What does #c02 want?"],  # the busiest channel: about half the messages and wants
}


class AnswerTiming(BaseModel):
    kind: str
    cold_seconds: float
    beyond_startup_seconds: float
    cold_peak_rss_mb: float
    #: The first cold run's answer beyond its start-up: before any kept state (members' profiles) holds this
    #: archive's answer (the median above includes the runs that read it back).
    cold_first_beyond_startup_seconds: float = 0.0
    #: The first answer of this kind in the bench's process, after a new message (not part of the warm rounds).
    first_in_process_seconds: float
    warm_p50_seconds: float
    warm_p95_seconds: float


class InsightsBench(BaseModel):
    messages: int
    write_seconds: float
    #: Time spent keeping the aggregates (``assistant.store.aggregates.refresh`` and ``judged``) while writing,
    #: per message.
    aggregates_ms_per_message: float = 0.0
    #: One live message stored (its aggregates included), as when a Slack event arrives: median of the rounds.
    live_message_write_ms: float = 0.0
    #: Every message's vector added to the index after the write, as ingest would have (``index_messages``), and
    #: the seconds it took; of them, the judged wants, encoded; then the seconds of the want themes' re-clustering
    #: (the scheduled job).
    messages_indexed: int = 0
    index_seconds: float = 0.0
    wants_indexed: int = 0
    recluster_seconds: float = 0.0
    cli_startup_seconds: float
    answers: list[AnswerTiming]


def synthetic_workspace(n: int, seed: int = SEED) -> tuple[list[Channel], list[Member], list[Message]]:
    """``n`` messages over a year before ``NOW``, in ``CHANNELS`` channels by ``MEMBERS`` members."""
    rng = random.Random(seed)
    channels = [Channel(id=f"CB{i:07d}", name=f"c{i:02d}") for i in range(1, CHANNELS + 1)]
    members = [Member(id=f"UB{i:07d}", name=f"member{i}") for i in range(MEMBERS)]
    start = (NOW - timedelta(days=DAYS)).timestamp()
    span = DAYS * 86400.0 - 3600.0
    times = sorted(start + rng.random() * span for _ in range(n))
    messages: list[Message] = []
    parents: dict[str, list[str]] = {c.id: [] for c in channels}
    for i, t in enumerate(times):
        channel = channels[int(rng.paretovariate(1.2)) % CHANNELS].id
        user = members[int(rng.paretovariate(0.8)) % MEMBERS].id
        ts = f"{t:.6f}"
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 14)))
        thread_ts = None
        recent = parents[channel]
        if recent and rng.random() < THREAD_SHARE:
            thread_ts = rng.choice(recent[-20:])
        elif rng.random() < 0.2:
            recent.append(ts)
            thread_ts = ts
        if i % 97 == 0:
            text = "could we please add " + text
        messages.append(
            Message(channel_id=channel, ts=ts, user_id=user, text=text, raw_text=text, thread_ts=thread_ts)
        )
    return channels, members, messages


def _judgment(m: Message, rng: random.Random) -> Judgment:
    negative = rng.random() * 0.6
    positive = rng.random() * (1 - negative)
    probs = {"negative": negative, "positive": positive, "neutral": 1 - negative - positive}
    label = max(probs, key=lambda k: probs[k])
    is_want = m.text.startswith("could we please add")
    return Judgment(
        channel_id=m.channel_id,
        ts=m.ts,
        toxicity=ToxicityJudgment(score=rng.random() * 0.3),
        misinformation=MisinformationJudgment(score=0.0, model_score=0.0),
        sentiment=SentimentJudgment(label=label, probs=probs),
        want=WantJudgment(score=0.8 if is_want else 0.05, is_want=is_want),
        model_version="bench",
    )


def write_workspace(archive_url: str, n: int, spent: list[float] | None = None) -> float:
    """Write the synthetic workspace into the archive at ``archive_url``; returns the seconds it took (and adds
    the seconds spent updating the aggregates to ``spent``)."""
    from assistant.store import aggregates

    originals = {name: getattr(aggregates, name) for name in ("refresh", "judged")}

    def timed(name: str) -> Callable[..., int]:
        def run(conn: Any, arg: Any) -> int:
            began = time.perf_counter()
            try:
                return int(originals[name](conn, arg))
            finally:
                if spent is not None:
                    spent.append(time.perf_counter() - began)

        return run

    for name in originals:
        setattr(aggregates, name, timed(name))
    try:
        return _write(archive_url, n)
    finally:
        for name, original in originals.items():
            setattr(aggregates, name, original)


def _write(archive_url: str, n: int) -> float:
    from assistant.store.archive import Archive

    started = time.perf_counter()
    channels, members, messages = synthetic_workspace(n)
    archive = Archive(archive_url)
    try:
        archive.upsert_members(members)
        archive.upsert_channels(channels)
        rng = random.Random(SEED + 1)
        for i in range(0, len(messages), 5000):
            chunk = messages[i : i + 5000]
            archive.upsert_messages(chunk)
            archive.save_judgments([_judgment(m, rng) for m in chunk])
            archive.mark_indexed([(m.channel_id, m.ts) for m in chunk])
            archive.mark_moderated([(m.channel_id, m.ts) for m in chunk])
    finally:
        archive.close()
    return time.perf_counter() - started


def word_vectors(texts: Sequence[str], dim: int, seed: int = SEED) -> np.ndarray:
    """Encoder-free unit vectors: the sum of a fixed random vector per word. Messages sharing words point alike,
    as encoded ones do, so members' profiles and twins have something to find; 100k of them take seconds."""
    rng = np.random.default_rng(seed)
    table = {
        w: rng.normal(size=dim).astype(np.float32) for w in sorted(set(_WORDS) | {"could", "we", "please", "add"})
    }
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for i, text in enumerate(texts):
        for w in text.split():
            if w in table:
                out[i] += table[w]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


def index_messages(ctx: Any, n: int) -> int:
    """Add every synthetic message's vector to the index (``word_vectors``), as ingest would have: twins read the
    top members' stored vectors, so an archive without them would leave that read out of the timings."""
    _, _, messages = synthetic_workspace(n)
    dim = ctx.index.encoder.dim
    for i in range(0, len(messages), 5000):
        chunk = messages[i : i + 5000]
        ctx.index.add_messages(chunk, word_vectors([m.text for m in chunk], dim))
    return len(messages)


def index_wants(ctx: Any, n: int) -> int:
    """Encode the synthetic workspace's judged wants once and add them to the index over their word vectors, as
    ingest would have (the want themes cluster the encoder's vectors); returns how many."""
    _, _, messages = synthetic_workspace(n)
    wants = [m for m in messages if m.text.startswith("could we please add")]
    for i in range(0, len(wants), 512):
        chunk = wants[i : i + 512]
        ctx.index.add_messages(chunk, ctx.encoder.encode([m.text for m in chunk]).vectors)
    return len(wants)


def _cold(argv: list[str], data_dir: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one CLI call in a fresh process."""
    # VmHWM is this process's own peak; ru_maxrss on Linux keeps the parent's peak at the fork (this benchmark's).
    probe = (
        "import resource, sys\n"
        "from assistant.cli.app import main\n"
        "code = 0\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code if isinstance(exc.code, int) else 1\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        "    peak = int(status)\n"
        "except (OSError, IndexError, ValueError):\n    pass\n"
        "sys.stderr.write('\\nPEAK_RSS_KB %d\\n' % peak)\n"
        "sys.exit(code)\n"
    )
    extra = ["--data-dir", str(data_dir), "--json"] if argv != ["--help"] else []
    for attempt in range(3):  # a failed process is no figure: tried again, then reported
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", probe, *argv, *extra], capture_output=True, text=True, timeout=1800, check=False
        )
        seconds = time.perf_counter() - started
        if done.returncode == 0 and "PEAK_RSS_KB" in done.stderr:
            break
        said = [x for x in done.stderr.strip().splitlines() if x.strip() and not x.startswith("PEAK_RSS_KB")]
        last = (said or [f"exit code {done.returncode}"])[-1]
        logger.warning("cold %s failed (attempt %d): %s", argv[0], attempt + 1, last)
    else:
        raise RuntimeError(f"assistant {argv[0]} failed in every attempt: {last}")
    rss = next((int(x.split()[1]) for x in done.stderr.splitlines() if x.startswith("PEAK_RSS_KB")), 0)
    return seconds, rss / 1024.0


def _cold_runs(argv: list[str], data_dir: Path, runs: int) -> tuple[list[float], list[float], list[float], float]:
    """``runs`` pairs of a bare start-up (``--help``) and the answer, each pair back to back, so the machine's
    drift during the bench moves both alike: each answer's seconds, each pair's difference, the start-ups' seconds
    and the highest peak RSS. The bench reports the medians, and the first pair's difference on its own."""
    answers, beyond, startups, peak = [], [], [], 0.0
    for _ in range(max(1, runs)):
        startup, _rss = _cold(["--help"], data_dir)
        seconds, rss = _cold(argv, data_dir)
        answers.append(seconds)
        beyond.append(seconds - startup)
        startups.append(startup)
        peak = max(peak, rss)
    return answers, beyond, startups, peak


def _warm(answer: Callable[[], object], arrive: Callable[[int], None], rounds: int) -> list[float]:
    """The first answer in this process, then ``rounds`` more, each right after a new message arrived."""
    times = []
    for i in range(rounds + 1):
        arrive(i)  # a new message: whatever the service cached is stale now
        started = time.perf_counter()
        answer()
        times.append(time.perf_counter() - started)
    return times


def _start_fresh(archive_url: str, chroma_path: Path) -> None:
    """Remove an earlier run's embedded archive (its SQLite file and journals) and index: written again over them,
    the same synthetic messages change nothing, so neither the aggregates' cost nor "after new messages" would be
    measured. An archive on a database server is left as it is."""
    from sqlalchemy.engine import make_url

    url = make_url(archive_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(url.database + suffix).unlink(missing_ok=True)
    shutil.rmtree(chroma_path, ignore_errors=True)


def run_insights_bench(data_dir: Path, n: int, *, rounds: int = 5, cold_runs: int = 3) -> InsightsBench:
    """Write ``n`` synthetic messages into a fresh archive under ``data_dir`` and time every kind of answer
    (cold: the median of ``cold_runs`` fresh processes, each paired with a bare start-up run just before it)."""
    from assistant.config import load_settings
    from assistant.context import Context

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(data_dir=data_dir, llm_provider="none")
    _start_fresh(settings.archive_url, settings.chroma_path)
    spent: list[float] = []
    write_seconds = write_workspace(settings.archive_url, n, spent)
    ctx = Context(settings, clock=frozen_clock(NOW))
    answers: list[AnswerTiming] = []
    try:
        began = time.perf_counter()
        messages_indexed = index_messages(ctx, n)
        index_seconds = time.perf_counter() - began
        wants_indexed = index_wants(ctx, n)
        recluster_seconds = ctx.insights.want_themes.recluster(at=NOW).seconds
        startups: list[float] = []
        qa_answers: dict[str, Callable[[], object]] = {
            "activity": lambda: ctx.qa.ask(QUESTIONS["activity"][1], at=NOW),
            "mood": lambda: ctx.qa.ask(QUESTIONS["mood"][1], at=NOW),
            "quiet": lambda: ctx.qa.ask(QUESTIONS["quiet"][1], at=NOW),
            "metrics": lambda: ctx.insights.all_channel_metrics("week", at=NOW),
            "members": lambda: ctx.insights.members_overview(at=NOW),
            "digest": lambda: ctx.insights.digest(at=NOW),
            "wants": lambda: ctx.qa.ask(QUESTIONS["wants"][1], at=NOW),
        }

        arrived = [0]
        live: list[float] = []

        def arrive(_round: int) -> None:
            arrived[0] += 1  # a message never seen before, whichever answer is being timed
            ts = f"{NOW.timestamp() - 3600 + arrived[0]:.6f}"
            began = time.perf_counter()
            text = f"new message {arrived[0]} about the roadmap and the onboarding docs"  # long: it counts
            message = Message(channel_id="CB0000001", ts=ts, user_id="UB0000001", text=text)
            ctx.archive.upsert_messages([message])
            live.append(time.perf_counter() - began)
            ctx.index.add_messages([message], word_vectors([text], ctx.index.encoder.dim))  # as the pipeline does

        for kind, argv in QUESTIONS.items():
            cold_answers, beyond, paired, rss = _cold_runs(argv, data_dir, cold_runs)
            startups.extend(paired)
            first, *warm = _warm(qa_answers[kind], arrive, rounds)
            answers.append(
                AnswerTiming(
                    kind=kind,
                    cold_seconds=round(statistics.median(cold_answers), 3),
                    beyond_startup_seconds=round(statistics.median(beyond), 3),
                    cold_peak_rss_mb=round(rss, 1),
                    cold_first_beyond_startup_seconds=round(beyond[0], 3),
                    first_in_process_seconds=round(first, 3),
                    warm_p50_seconds=round(statistics.median(warm), 3),
                    warm_p95_seconds=round(sorted(warm)[max(0, int(len(warm) * 0.95 + 0.5) - 1)], 3),
                )
            )
            logger.info("%s: %s", kind, json.dumps(answers[-1].model_dump()))
    finally:
        ctx.close()
    return InsightsBench(
        messages=n,
        write_seconds=round(write_seconds, 2),
        aggregates_ms_per_message=round(1000 * sum(spent) / max(n, 1), 3),
        live_message_write_ms=round(1000 * statistics.median(live), 2) if live else 0.0,
        messages_indexed=messages_indexed,
        index_seconds=round(index_seconds, 2),
        wants_indexed=wants_indexed,
        recluster_seconds=round(recluster_seconds, 2),
        cli_startup_seconds=round(statistics.median(startups), 3) if startups else 0.0,
        answers=answers,
    )

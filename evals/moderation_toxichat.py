"""How noisy and how right the default moderation policy is on ToxiChat (Reddit threads, per-turn labels).

Every human (``reddit``) turn of a split becomes a message in one channel; each Reddit thread becomes a
Slack thread (its first turn is the parent, later turns are replies five minutes apart; threads are a day
apart). Context is used the way the live assistant uses it: each turn is judged on its own text (the
author's message is what a moderator acts on), and the thread decides grouping — flags in one thread within
the alert window share one alert. Turn authors are not in the data, so each turn gets its own author and
member-burst grouping does not apply.

The run goes through the production path (archive, one encoder pass, the judgment engine, the index, the
moderation service with the configured default policy) in a temporary data directory, and reports alerts per
1,000 messages plus flag precision/recall/F1 against the ``Offensive`` labels. Baseline in the same run:
alt-profanity-check at 0.5 with the same thread grouping.

    python -m evals.moderation_toxichat [--data-root ../shared/data] [--split dev] [--json]
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import f1_score, precision_score, recall_score

from evals.harness import EvalResult, EvalTask, register

logger = logging.getLogger(__name__)

DATASET = "toxichat_reddit_threads"
CHANNEL_ID = "CTOXICHAT1"
BASE_TS = 1_780_000_000.0
TURN_GAP_S = 300.0
THREAD_GAP_S = 86_400.0


@dataclass(frozen=True)
class Turn:
    thread_id: str
    turn_id: int
    text: str
    offensive: bool


def read_turns(folder: Path, split: str) -> list[Turn]:
    path = folder / f"{split}_utterances.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing")
    turns: list[Turn] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["author_type"] != "reddit":
                continue
            turns.append(
                Turn(row["thread_id"], int(row["turn_id"]), row["text"].strip(), row["label"] == "Offensive")
            )
    return turns


def turn_times(turns: list[Turn]) -> list[tuple[str, str | None]]:
    """(ts, thread_ts) for each turn: threads a day apart, turns five minutes apart, replies under turn 1."""
    order: dict[str, int] = {}
    out: list[tuple[str, str | None]] = []
    for t in turns:
        k = order.setdefault(t.thread_id, len(order))
        start = BASE_TS + k * THREAD_GAP_S
        ts = f"{start + (t.turn_id - 1) * TURN_GAP_S:.6f}"
        out.append((ts, f"{start:.6f}"))
    return out


def _metrics(y_true: list[bool], y_pred: list[bool]) -> dict[str, float]:
    return {
        "precision": round(float(precision_score(y_true, y_pred, zero_division=0)), 4),
        "recall": round(float(recall_score(y_true, y_pred, zero_division=0)), 4),
        "f1": round(float(f1_score(y_true, y_pred, zero_division=0)), 4),
    }


def _alerts(groups: list[list[int]], labels: list[bool]) -> dict[str, float]:
    n = len(labels)
    good = sum(any(labels[i] for i in g) for g in groups)
    return {
        "alerts": len(groups),
        "alerts_per_1000": round(1000 * len(groups) / n, 1) if n else 0.0,
        "alert_precision": round(good / len(groups), 4) if groups else 0.0,
    }


def _item(m: Any) -> Any:
    from assistant.moderation.grouping import BurstItem

    return BurstItem(m.channel_id, m.user_id, m.thread_ts, float(m.ts))


def run(folder: Path, split: str, runtime: Any = None) -> list[EvalResult]:
    from assistant.config import load_settings
    from assistant.context import Context
    from assistant.domain import Channel, Message
    from assistant.moderation.grouping import BurstItem, group_bursts
    from evals.baselines import profanity_check

    turns = [t for t in read_turns(folder, split) if t.text]
    times = turn_times(turns)
    labels = [t.offensive for t in turns]
    with tempfile.TemporaryDirectory(prefix="toxichat-moderation-") as tmp:
        ctx = Context(load_settings(data_dir=Path(tmp) / "data"))
        for shared in ("encoder", "judge"):  # a caller may share its loaded encoder or judge
            if runtime is not None and getattr(runtime, shared, None) is not None:
                ctx.__dict__[shared] = getattr(runtime, shared)
        try:
            ctx.archive.upsert_channels([Channel(id=CHANNEL_ID, name="toxichat")])
            messages = [
                Message(
                    channel_id=CHANNEL_ID,
                    ts=ts,
                    user_id=f"U{t.thread_id.upper().replace('_', '')}T{t.turn_id}",
                    text=t.text,
                    raw_text=t.text,
                    thread_ts=thread_ts if t.turn_id > 1 else ts,
                )
                for t, (ts, thread_ts) in zip(turns, times, strict=True)
            ]
            ctx.archive.upsert_messages(messages)
            if ctx.judge is None:
                raise RuntimeError("the judgment engine is not available; train or install its heads first")
            ctx.pipeline.process_pending(progress=sys.stderr.isatty())
            service = ctx.moderation
            policy = service.policy("toxichat")
            flags = {f.ts: f for f in service.store.flags(CHANNEL_ID)}
            alert_groups: dict[int, list[int]] = {}
            for i, m in enumerate(messages):
                f = flags.get(m.ts)
                if f is not None and f.alert_id is not None:
                    alert_groups.setdefault(f.alert_id, []).append(i)
            predicted = [m.ts in flags for m in messages]
            ours = {**_metrics(labels, predicted), **_alerts(list(alert_groups.values()), labels)}
            window = ctx.settings.alert_group_minutes * 60
            per_judgment: dict[str, dict[str, float]] = {}
            for name in policy.effective:
                hit = [m.ts in flags and name in flags[m.ts].crossed for m in messages]
                idx = [i for i, h in enumerate(hit) if h]
                groups = group_bursts([_item(messages[i]) for i in idx], window)
                per_judgment[name] = {
                    **_metrics(labels, hit),
                    **_alerts([[idx[j] for j in g] for g in groups], labels),
                }
            by_judgment: dict[str, int] = {}
            for f in flags.values():
                by_judgment[f.judgment] = by_judgment.get(f.judgment, 0) + 1
            clauses: dict[str, int] = {}
            for f in flags.values():
                key = f"§{f.clause_ref.number}" if f.clause_ref else "none"
                clauses[key] = clauses.get(key, 0) + 1
        finally:
            ctx.close()
    profane = [bool(p >= 0.5) for p in profanity_check([t.text for t in turns])]
    items = [
        BurstItem(CHANNEL_ID, f"{t.thread_id}:{t.turn_id}", thread_ts, float(ts))
        for t, (ts, thread_ts) in zip(turns, times, strict=True)
    ]
    base_groups = group_bursts([items[i] for i in range(len(items)) if profane[i]], window)
    profane_idx = [i for i in range(len(items)) if profane[i]]
    base = {
        **_metrics(labels, profane),
        **_alerts([[profane_idx[j] for j in g] for g in base_groups], labels),
    }
    result = EvalResult(
        dataset=DATASET,
        task="moderation_alerts",
        metric="alerts_per_1000",
        value=ours["alerts_per_1000"],
        baselines={"profanity_check@0.5": base["alerts_per_1000"]},
        n=len(turns),
        extra={
            "split": split,
            "messages": len(turns),
            "offensive": sum(labels),
            "policy": policy.effective,
            "alert_window_minutes": window / 60,
            "flags": len(flags),
            "flags_by_judgment": by_judgment,
            "clauses_cited": clauses,
            **ours,
            "by_judgment": per_judgment,
            "baseline_profanity_check@0.5": base,
            "context": "each turn judged on its own text; thread = Slack thread, used for alert grouping",
        },
    )
    return [result]


TASK = register(EvalTask(dataset=DATASET, task="moderation_alerts", run=run))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-root", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--json", action="store_true", help="print only JSON on stdout")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    [result] = run(args.data_root / DATASET, args.split)
    if args.json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return 0
    x = result.extra
    b = x["baseline_profanity_check@0.5"]
    print(
        f"ToxiChat {args.split}: {x['messages']} human turns ({x['offensive']} offensive), policy {x['policy']}.\n"
        f"Default policy: {x['flags']} flags in {x['alerts']} alerts = {x['alerts_per_1000']} alerts per 1,000 "
        f"messages; flag precision {x['precision']:.3f}, recall {x['recall']:.3f}, F1 {x['f1']:.3f}; "
        f"alert precision {x['alert_precision']:.3f}.\n"
        + "".join(
            f"  {name} alone: {v['alerts_per_1000']} alerts per 1,000; precision {v['precision']:.3f}, "
            f"recall {v['recall']:.3f}.\n"
            for name, v in x["by_judgment"].items()
        )
        + f"Baseline alt-profanity-check@0.5: {b['alerts_per_1000']} alerts per 1,000; precision "
        f"{b['precision']:.3f}, recall {b['recall']:.3f}, F1 {b['f1']:.3f}."
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

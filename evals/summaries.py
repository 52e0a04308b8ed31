"""DialogSum: does the local summary's gist beat LEAD-3 and LONGEST-3 on ROUGE against human references?

Each dialogue becomes a ``Conversation`` of ``#PersonN#`` turns (encoded here: they are not in the index), the
local summariser writes a gist, and ``rouge_score`` (stemmed) scores it against every reference present
(``summary`` on dev, ``summary1..3`` on test), keeping the best per dialogue. The baselines are scored the
same way in the same run: the first three turns (LEAD-3) and the three longest turns in dialogue order
(LONGEST-3), speaker tags included as written.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Sequence
from pathlib import Path
from statistics import fmean
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from rouge_score import rouge_scorer

from assistant.encoder import Encoder, get_encoder
from assistant.summaries.conversation import Conversation, Turn
from assistant.summaries.local import LocalSummarizer
from assistant.summaries.text import clean_text
from evals.harness import EvalResult, EvalTask, register

logger = logging.getLogger(__name__)

_TURN = re.compile(r"^\s*(#[^#:]{1,30}#)\s*:\s*(.*)$")
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


class Dialogue(BaseModel):
    """One DialogSum row; references are whichever of ``summary``, ``summary1..3`` are present."""

    fname: str
    dialogue: str
    summary: str | None = None
    summary1: str | None = None
    summary2: str | None = None
    summary3: str | None = None

    @property
    def references(self) -> list[str]:
        return [r for r in (self.summary, self.summary1, self.summary2, self.summary3) if r and r.strip()]

    def lines(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for raw in self.dialogue.splitlines():
            m = _TURN.match(raw)
            if m:
                out.append((m.group(1), m.group(2).strip()))
            elif raw.strip() and out:
                speaker, text = out[-1]
                out[-1] = (speaker, f"{text} {raw.strip()}")
        return [(s, t) for s, t in out if t]


def read_dialogues(path: Path, limit: int | None = None) -> list[Dialogue]:
    rows: list[Dialogue] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = Dialogue.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as exc:
                logger.warning("skipping line %d of %s: %s", n, path.name, exc)
                continue
            if row.references and row.lines():
                rows.append(row)
            if limit and len(rows) >= limit:
                break
    return rows


def lead3(turns: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"{s}: {t}" for s, t in turns[:3])


def longest3(turns: Sequence[tuple[str, str]]) -> str:
    top = sorted(range(len(turns)), key=lambda i: len(turns[i][1]), reverse=True)[:3]
    return "\n".join(f"{turns[i][0]}: {turns[i][1]}" for i in sorted(top))


class RougeTotals(BaseModel):
    scores: dict[str, list[float]] = Field(default_factory=lambda: {k: list[float]() for k in ROUGE_TYPES})

    def add(self, best: dict[str, float]) -> None:
        for k in ROUGE_TYPES:
            self.scores[k].append(best[k])

    def means(self) -> dict[str, float]:
        """Mean F1 per ROUGE type, as a fraction (0-1) like every other task's metric."""
        return {k: round(fmean(v), 4) if v else 0.0 for k, v in self.scores.items()}


def best_rouge(scorer: rouge_scorer.RougeScorer, references: Sequence[str], prediction: str) -> dict[str, float]:
    """Best F1 per ROUGE type over the references present."""
    best = dict.fromkeys(ROUGE_TYPES, 0.0)
    for ref in references:
        scores = scorer.score(ref, prediction)
        for k in ROUGE_TYPES:
            best[k] = max(best[k], scores[k].fmeasure)
    return best


def evaluate_dialogsum(
    path: Path,
    encoder: Encoder,
    *,
    limit: int | None = None,
    summarizer: LocalSummarizer | None = None,
    dataset: str = "dialogsum",
) -> EvalResult:
    started = time.perf_counter()
    dialogues = read_dialogues(path, limit)
    summarizer = summarizer or LocalSummarizer()
    all_lines = [d.lines() for d in dialogues]
    flat = [clean_text(t) or t for lines in all_lines for _, t in lines]
    vectors = encoder.encode(flat).vectors
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    ours, lead, longest = RougeTotals(), RougeTotals(), RougeTotals()
    examples: list[dict[str, str]] = []
    offset = 0
    for d, lines in zip(dialogues, all_lines, strict=True):
        turns = [Turn(ts=str(i + 1), user=s, text=clean_text(t) or t) for i, (s, t) in enumerate(lines)]
        conv = Conversation(turns, vectors[offset : offset + len(turns)], names={}, group_label="the other person")
        offset += len(turns)
        gist = summarizer.summarize(conv, channel_id=dataset).gist
        ours.add(best_rouge(scorer, d.references, gist))
        lead.add(best_rouge(scorer, d.references, lead3(lines)))
        longest.add(best_rouge(scorer, d.references, longest3(lines)))
        if len(examples) < 3:
            examples.append({"fname": d.fname, "gist": gist, "reference": d.references[0]})
    ours_m, lead_m, long_m = ours.means(), lead.means(), longest.means()
    return EvalResult(
        dataset=dataset,
        task="summary",
        metric="rougeL_f1",
        value=ours_m["rougeL"],
        baselines={"lead3_rougeL": lead_m["rougeL"], "longest3_rougeL": long_m["rougeL"]},
        n=len(dialogues),
        extra={
            "local": ours_m,
            "lead3": lead_m,
            "longest3": long_m,
            "references": "best over the references present",
            "seconds": round(time.perf_counter() - started, 1),
            "examples": examples,
        },
    )


def _encoder_of(runtime: Any) -> Encoder:
    encoder = getattr(runtime, "encoder", None)
    return encoder if isinstance(encoder, Encoder) else get_encoder()


def run(folder: Path, split: str, runtime: Any) -> list[EvalResult]:
    path = folder / f"{split}.jsonl"
    if not path.exists():
        logger.info("dialogsum: no %s in %s, skipped", path.name, folder)
        return []
    return [evaluate_dialogsum(path, _encoder_of(runtime))]


TASK = register(EvalTask(dataset="dialogsum", task="summary", run=run))

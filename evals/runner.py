"""Runs every registered evaluation task on a data root; missing dataset folders are skipped with a note.

Used by ``assistant eval``: the registry holds judgments, summaries, retrieval and any other area's tasks.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from evals.harness import EvalResult, load_registry

logger = logging.getLogger(__name__)


def run_all(
    runtime: Any, data_root: Path, split: str = "dev", only: Sequence[str] | None = None
) -> list[EvalResult]:
    """Each registered task whose dataset folder has the split; a failing task is reported and skipped."""
    results: list[EvalResult] = []
    for task in load_registry():
        if only and task.dataset not in only:
            continue
        folder = data_root / task.dataset
        if not task.files_present(folder, split):
            print(f"note: {task.dataset} ({task.task}) skipped: no {split} files in {folder}", file=sys.stderr)
            continue
        started = time.time()
        try:
            got = task.run(folder, split, runtime)
        except Exception as exc:  # one broken task must not hide the others' figures
            logger.exception("eval task %s/%s failed", task.dataset, task.task)
            print(f"note: {task.dataset} ({task.task}) failed: {exc}", file=sys.stderr)
            continue
        print(f"note: {task.dataset} ({task.task}) done in {time.time() - started:.1f}s", file=sys.stderr)
        results.extend(got)
    return results


def render_table(results: Sequence[EvalResult], split: str) -> Table:
    table = Table(title=f"assistant eval ({split} split)")
    for col in ("dataset", "task", "metric", "value", "baselines", "n"):
        table.add_column(col, justify="right" if col in ("value", "n") else "left")
    for r in results:
        base = ", ".join(f"{k} {v:.3f}" for k, v in r.baselines.items())
        beats = all(r.value > v for v in r.baselines.values()) if r.baselines else True
        table.add_row(r.dataset, r.task, r.metric, f"{r.value:.3f}{'' if beats else ' (!)'}", base, str(r.n))
    return table

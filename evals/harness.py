"""The shape of an evaluation and the registry ``assistant eval`` runs.

A task is found by its dataset folder name under the data root and a split name; a missing folder is skipped
with a note. Each result carries the shared task's official metric and baselines computed in the same run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)


class EvalResult(BaseModel):
    dataset: str
    task: str
    metric: str
    value: float
    baselines: dict[str, float] = Field(default_factory=dict)
    n: int
    extra: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class EvalTask:
    """One dataset evaluation. ``run(folder, split, runtime)`` returns results (a dataset may give several)."""

    dataset: str
    task: str
    run: Callable[[Path, str, Any], list[EvalResult]]

    def files_present(self, folder: Path, split: str) -> bool:
        names = (f"{split}.csv", f"{split}_utterances.csv", f"{split}.jsonl", f"{split}_hotel.csv")
        return folder.is_dir() and any((folder / n).exists() for n in names)


def rounded(value: Any) -> Any:
    """A result's figures as reported: every float (in dicts too) to 4 places."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return value


REGISTRY: list[EvalTask] = []


def register(task: EvalTask) -> EvalTask:
    REGISTRY.append(task)
    return task


#: Modules that register tasks on import; each area adds its own module here.
TASK_MODULES: list[str] = [
    "evals.judgments",
    "evals.retrieval",
    "evals.summaries",
    "evals.summary_irc",
    "evals.claims_checkthat",
]


def load_registry() -> list[EvalTask]:
    import importlib

    for name in TASK_MODULES:
        importlib.import_module(name)
    return REGISTRY

"""Printing for the CLI: results on stdout (JSON only with ``--json``), progress and logs on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def print_json(value: Any) -> None:
    """Exactly one JSON document on stdout."""
    sys.stdout.write(json.dumps(value, default=_default, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def print_json_lines(values: list[Any]) -> None:
    for v in values:
        sys.stdout.write(json.dumps(v, default=_default, ensure_ascii=False) + "\n")
    sys.stdout.flush()

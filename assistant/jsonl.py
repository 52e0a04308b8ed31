"""JSON lines: one JSON value a line; blank lines are skipped and a line that is not JSON is named by its number."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from assistant.errors import AssistantError


def json_lines(lines: Iterable[str], where: str) -> Iterator[tuple[int, Any]]:
    """(line number, value) for every line that is not blank; ``where`` names the source in the error that a
    line which is not JSON raises ("stdin", a file's name)."""
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AssistantError(f"{where} line {lineno} is not JSON: {exc.msg}.") from None
        yield lineno, value

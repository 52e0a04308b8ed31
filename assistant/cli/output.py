"""Printing for the CLI: results on stdout (JSON only with ``--json``), progress and logs on stderr.

Logs go to stderr through handlers that redact secrets (``assistant.redact``); their level comes from
``--verbose`` (DEBUG), else ``ASSISTANT_LOG_LEVEL`` (from the environment, then from the settings once loaded,
which also reads ``.env``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

from pydantic import BaseModel
from rich.console import Console

from assistant.redact import RedactingFilter

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


# Logging --------------------------------------------------------------------------------------------------------
_NOISY = ("httpx", "chromadb", "urllib3", "transformers")
_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_verbose = False


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (a captured stream may be swapped after the handler is made)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _set_level(level: int) -> None:
    logging.getLogger().setLevel(level)
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, level))


def configure_logging(*, verbose: bool = False) -> None:
    """Logs on stderr at DEBUG with ``verbose``, else at ``ASSISTANT_LOG_LEVEL`` from the environment (WARNING);
    every handler of the root logger gets the redacting filter, so no log line carries a token or password."""
    global _verbose
    _verbose = verbose
    root = logging.getLogger()
    if not any(h for h in root.handlers if not isinstance(h, _StderrHandler)):
        for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
            root.removeHandler(old)
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
        root.addHandler(handler)
    for each in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in each.filters):
            each.addFilter(RedactingFilter())
    name = os.environ.get("ASSISTANT_LOG_LEVEL", "WARNING").upper()
    _set_level(logging.DEBUG if verbose else getattr(logging, name, logging.WARNING))


def apply_log_level(level: str) -> None:
    """The settings' ``ASSISTANT_LOG_LEVEL`` (which may come from ``.env``), unless ``--verbose`` asked for DEBUG."""
    if not _verbose:
        _set_level(getattr(logging, level.upper(), logging.WARNING))


def is_verbose() -> bool:
    return _verbose

"""Options shared by commands and the one way to build a ``Context`` from the command line."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.output import apply_log_level
from assistant.config import load_settings
from assistant.context import Context

JsonOpt = Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")]
DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (default: ASSISTANT_DATA_DIR or ./assistant-data)."),
]


def make_context(data_dir: Path | None = None) -> Context:
    overrides = {"data_dir": data_dir} if data_dir else {}
    settings = load_settings(**overrides)
    apply_log_level(settings.log_level)  # ASSISTANT_LOG_LEVEL may come from .env, which logging cannot see
    return Context(settings)


def operator() -> str:
    """Who ran the command, as the audit log's actor: ``cli:<the host's user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:operator"

"""The ``assistant`` command. Each area registers its commands from its own module (``register(app)``)."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any

import typer

from assistant.cli.output import err_console
from assistant.errors import AssistantError

app = typer.Typer(
    name="assistant",
    help="Community moderation and insight assistant for Slack: local models, explainable judgments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

#: Modules that add commands; each defines ``register(app: typer.Typer) -> None``.
COMMAND_MODULES = [
    "assistant.cli.foundation",
    "assistant.cli.summaries",
    "assistant.cli.slack",
    "assistant.cli.moderation",
    "assistant.cli.judgments",
    "assistant.cli.insights",
]


def _configure_logging() -> None:
    level = os.environ.get("ASSISTANT_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.WARNING),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "chromadb", "urllib3", "transformers"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_all()


def main(argv: list[str] | None = None) -> Any:
    """Entry point: typed errors become one sentence on stderr and exit code 1, never a traceback."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _configure_logging()
    try:
        return app(args=argv, standalone_mode=False)
    except AssistantError as exc:
        err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":  # pragma: no cover
    main()

"""The ``assistant`` command. Each area registers its commands from its own module (``register(app)``)."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from assistant.cli.output import configure_logging, err_console
from assistant.config import check_env_file, env_file_path
from assistant.errors import AssistantError, ConfigError

logger = logging.getLogger(__name__)

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
    "assistant.cli.db",
    "assistant.cli.surveys",
    "assistant.cli.claims",
]


VERBOSE = "--verbose"


def _configure_logging(verbose: bool = False) -> None:
    """Logs on stderr, redacted (tokens, credentials, URL passwords, configured secrets never appear); DEBUG with
    ``--verbose``, else ``ASSISTANT_LOG_LEVEL`` (the settings apply it again once loaded, ``.env`` included)."""
    configure_logging(verbose=verbose)


@app.callback()
def _options(
    verbose: Annotated[
        bool,
        typer.Option(
            VERBOSE,
            help="Log at DEBUG level; an unexpected error also logs where it happened (files, lines, functions; "
            "never its message).",
        ),
    ] = False,
) -> None:
    if verbose:
        _configure_logging(verbose=True)


def _take_verbose(args: list[str]) -> tuple[list[str], bool]:
    """``--verbose`` anywhere before ``--`` counts (``assistant serve --verbose`` too); it is moved to the front,
    where the option lives."""
    end = args.index("--") if "--" in args else len(args)
    verbose = VERBOSE in args[:end]
    rest = [a for a in args[:end] if a != VERBOSE] + args[end:]
    return ([VERBOSE, *rest] if verbose else rest), verbose


def _command_name(args: list[str]) -> str:
    return next((a for a in args if not a.startswith("-")), "assistant")


def _log_unexpected(exc: BaseException, command: str) -> None:
    """Where an unexpected exception happened: each exception's type and frames (file, line, function), never its
    message or locals (they may quote a member's text or SQL parameters)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        frames = "\n".join(
            f'  File "{f.filename}", line {f.lineno}, in {f.name}'
            for f in traceback.extract_tb(current.__traceback__)
        )
        logger.error(
            "unexpected %s.%s while running %s (message withheld); frames, most recent call last:\n%s",
            kind.__module__,
            kind.__qualname__,
            command,
            frames,
        )
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)


#: Set when the command modules could not be imported: chromadb's own settings read ``./.env`` when chromadb is
#: imported, and raise on a file that is not UTF-8 (``main`` then names the file's problem in one line).
_IMPORT_ERROR: Exception | None = None


def _register_all() -> None:
    global _IMPORT_ERROR
    dotenv_warnings = logging.getLogger("dotenv.main")
    was_disabled = dotenv_warnings.disabled
    # python-dotenv only warns about a line it cannot parse (once per reader); ``load_settings`` reports it as
    # one ConfigError line instead.
    dotenv_warnings.disabled = True
    try:
        for name in COMMAND_MODULES:
            importlib.import_module(name).register(app)
    except UnicodeDecodeError as exc:
        _IMPORT_ERROR = exc
    finally:
        dotenv_warnings.disabled = was_disabled


_register_all()


def _import_problem() -> str:
    """The one line for a failed import of the commands: the ``.env`` problem that caused it, when there is one."""
    try:
        check_env_file(env_file_path())
        check_env_file(Path(".env"))  # chromadb reads ./.env whatever ASSISTANT_ENV_FILE says
    except ConfigError as exc:
        return exc.message
    return f"unexpected {type(_IMPORT_ERROR).__name__} while starting; run again with {VERBOSE} to log the details"


def main(argv: list[str] | None = None) -> Any:
    """Entry point: typed errors become one sentence on stderr and exit code 1, and so does any other exception
    (named by its type only; ``--verbose`` logs where it happened): never a traceback."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args, verbose = _take_verbose(list(sys.argv[1:] if argv is None else argv))
    command = _command_name(args)
    _configure_logging(verbose=verbose)
    if _IMPORT_ERROR is not None:
        if verbose:
            _log_unexpected(_IMPORT_ERROR, command)
        err_console.print(f"[bold red]error:[/] {escape(_import_problem())}", highlight=False, soft_wrap=True)
        sys.exit(1)
    try:
        return app(args=args, standalone_mode=False)
    except AssistantError as exc:
        err_console.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        # A usage error (typer vendors click: its exceptions are not ``click.ClickException``) shows itself.
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        if verbose:
            _log_unexpected(exc, command)
        err_console.print(
            f"[bold red]error:[/] unexpected {escape(type(exc).__name__)} while running {escape(command)}; "
            f"run again with {VERBOSE} to log the details",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()

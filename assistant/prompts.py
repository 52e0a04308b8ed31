"""Prompts and message templates live as files in ``prompts/`` and are loaded by name, never inlined."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

from assistant.errors import ConfigError

_ENV = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False, trim_blocks=True)


def prompts_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "prompts", here / "prompts_data"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("The prompts folder was not found next to the assistant package.")


@lru_cache(maxsize=64)
def load_prompt(name: str) -> str:
    """The raw text of ``prompts/<name>`` (``.md`` assumed when no suffix is given)."""
    path = prompts_dir() / (name if Path(name).suffix else f"{name}.md")
    if not path.exists():
        raise ConfigError(f"The prompt template {path.name} is missing from {path.parent}.")
    return path.read_text(encoding="utf-8")


def render_prompt(name: str, **values: Any) -> str:
    """Render a template with Jinja2; a missing value is an error, not a silent blank."""
    return _ENV.from_string(load_prompt(name)).render(**values).strip()

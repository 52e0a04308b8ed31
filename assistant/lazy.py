"""Services take their heavy collaborators (the index, the encoder, the judge) either made or as a provider, so
commands that never need them never load a model: ``provided`` turns either into the object, on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

T = TypeVar("T")


def provided(source: T | Callable[[], T]) -> T:
    """``source`` itself, or what calling it makes (none of the collaborators passed this way is callable)."""
    return cast("Callable[[], T]", source)() if callable(source) else source

"""Q&A intents: one module per intent (``assistant.insights.intents.<intent>``), each with the intent's facts
model (what its answer template ``prompts/answer_<intent>.md`` reads as ``f`` and the LLM path reads as JSON)
and ``draft``, which turns a parsed question into a ``Draft`` (the facts and the messages cited).

``handler`` is the registry ``QAService`` dispatches on. A module is imported when its intent is first asked
for, so a metrics answer never loads what retrieval, topics or twinning need (Chroma, scikit-learn).
"""

from __future__ import annotations

from importlib import import_module
from typing import get_args

from assistant.insights.intents.base import Draft, Facts, Handler, Sources
from assistant.insights.questions import Intent

#: Every intent the question parser can return; each has a module of that name here.
INTENTS: tuple[Intent, ...] = get_args(Intent)


def handler(intent: str) -> Handler:
    """The ``draft`` function of the intent's module."""
    if intent not in INTENTS:
        raise KeyError(intent)
    found: Handler = import_module(f"{__name__}.{intent}").draft
    return found


__all__ = ["INTENTS", "Draft", "Facts", "Handler", "Sources", "handler"]

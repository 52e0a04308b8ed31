"""Grounding a model's text in numbered messages, shared by Q&A (``assistant.insights.answers``) and thread
summaries (``assistant.summaries.llm_writer``).

Messages go into a prompt as numbered, quoted data: ``quote`` neutralises delimiter look-alikes (``<``, ``>``,
triple backticks) so a message cannot close its block and speak as the prompt. A model's reply must cite ``[n]``:
``keep_cited`` keeps only sentences whose citations all name a given message, and ``unknown_citations`` names
the citations that do not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant.sentences import split_sentences

#: A citation of the n-th numbered message: ``[3]``.
CITE = re.compile(r"\[(\d{1,3})\]")


def quote(text: str) -> str:
    """Message text as inert data: delimiter look-alikes are neutralised so text cannot close its block."""
    return text.replace("<", "‹").replace(">", "›").replace("```", "ʼʼʼ")


def number_messages(
    messages: Iterable[Mapping[str, Any]], quoted: Sequence[str] = ("text",)
) -> list[dict[str, Any]]:
    """Messages for a prompt, numbered from 1 (``n`` first), with the ``quoted`` fields passed through ``quote``."""
    return [
        {"n": n, **{k: quote(str(v)) if k in quoted else v for k, v in m.items()}}
        for n, m in enumerate(messages, start=1)
    ]


def citations(text: str) -> list[int]:
    """The message numbers ``text`` cites, in order (repeats kept)."""
    return [int(r) for r in CITE.findall(text)]


def strip_citations(text: str) -> str:
    return CITE.sub("", text)


def unknown_citations(cited: Iterable[int], n_messages: int) -> list[int]:
    """The cited numbers that name no given message (the messages are numbered 1..n_messages)."""
    return [r for r in cited if not 1 <= r <= n_messages]


def keep_cited(text: str, n_messages: int) -> tuple[str, list[int]] | None:
    """Keep only the sentences that cite, and cite only valid ``[n]``; renumber to the kept citations (in order of
    first use). Returns the text and the original numbers used, or None if nothing survives."""
    kept: list[str] = []
    used: list[int] = []
    for sentence in split_sentences(text, "reply"):
        refs = citations(sentence)
        if not refs or unknown_citations(refs, n_messages):
            continue
        kept.append(sentence)
        for r in refs:
            if r not in used:
                used.append(r)
    if not kept:
        return None
    mapping = {old: new for new, old in enumerate(used, start=1)}
    body = CITE.sub(lambda m: f"[{mapping[int(m.group(1))]}]", " ".join(kept))
    return body, used


def without_text(value: Any) -> Any:
    """Facts for a prompt without message text (nested ``text`` keys dropped): messages reach the model only as
    numbered, quoted blocks."""
    if isinstance(value, dict):
        return {k: without_text(v) for k, v in value.items() if k != "text"}
    if isinstance(value, list):
        return [without_text(v) for v in value]
    return value

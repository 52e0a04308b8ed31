"""The one sentence splitter, for chat messages and for a model's reply.

Two boundary styles, kept apart on purpose because they decide which sentences a check keeps or drops:

- ``"chat"`` (the default, for community messages and summaries): every line break ends a sentence, and so do
  ``.``, ``!`` or ``?`` (after any closing quote or bracket) before a capital, a digit, ``#`` or ``@`` (after any
  opening quote or bracket).
- ``"reply"`` (for an LLM's answer that must cite ``[n]`` in every sentence, ``assistant.grounding``): runs of
  line breaks end a sentence, and so do ``.``, ``!`` or ``?`` right before whitespace and a capital, a digit, a
  quote, ``#``, ``(`` or a list marker (``*``, ``•``, ``-``). A closing quote after the stop keeps the sentence
  going, and ``@`` starts none: merging the two styles would change which reply sentences keep their citation.
"""

from __future__ import annotations

import re
from typing import Literal

SentenceStyle = Literal["chat", "reply"]

_CHAT_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9#@])")
_REPLY_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'#*(•-])|\n+")


def split_sentences(text: str, style: SentenceStyle = "chat") -> list[str]:
    """The non-empty, stripped sentences of ``text`` (chat punctuation is loose: newlines also end a sentence)."""
    if style == "reply":
        parts = _REPLY_END.split(text.strip())
    else:
        parts = [part for line in text.splitlines() for part in _CHAT_END.split(line.strip())]
    return [s for part in parts if (s := part.strip())]

"""Twinning's keyphrases (``assistant.insights.twinning``): the words and two-word phrases of a message that say
what it is about, and a per-process memory of them, so a running ``serve`` cuts only the texts it has not seen."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

from assistant.insights.data import Snapshot
from assistant.stopwords import STOP_WORDS

_WORD = re.compile(r"(?u)\b[^\W\d_][\w\-']*[^\W_]\b")
#: Besides stop words: pronoun forms and words of time, which say when, not what about.
_STOP = frozenset(STOP_WORDS) | {
    *("i", "me", "my", "mine", "i've", "i'd", "i'll", "that's", "what's", "there's", "anybody", "everybody"),
    *("weekend", "weekends", "tonight", "morning", "evening", "night", "month", "months", "year", "years"),
    *("hour", "hours", "minute", "minutes", "monday", "tuesday", "wednesday", "thursday", "friday"),
    *("saturday", "sunday", "last", "next", "first", "later", "soon", "ago"),
}


@functools.lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def name_words(snap: Snapshot) -> set[str]:
    """Every word of every member's names (handle, display and real name), accents folded too."""
    out: set[str] = set()
    for m in snap.members.values():
        for name in (m.name, m.display_name, m.real_name):
            for word in re.split(r"[\s._\-]+", name.lower()):
                word = word.strip(".,'")
                if word:
                    out |= {word, _fold(word)}
    return out


def phrases(text: str, names: set[str], seen: dict[str, tuple[str, bool]] | None = None) -> set[str]:
    """The keyphrases of one message: words and adjacent-word pairs without stop words or names (``seen``: each
    word's form and whether it counts, remembered across messages with the same ``names``)."""
    seen = {} if seen is None else seen
    words: list[str] = []
    keep: list[bool] = []
    for raw in _WORD.findall(text):
        got = seen.get(raw)
        if got is None:
            w = raw.lower().removesuffix("'s").removesuffix("’s").strip("'")
            got = seen[raw] = (w, len(w) >= 3 and w not in _STOP and w not in names and _fold(w) not in names)
        words.append(got[0])
        keep.append(got[1])
    out = {w for w, k in zip(words, keep, strict=True) if k}
    for i in range(len(words) - 1):
        if keep[i] and keep[i + 1]:
            out.add(f"{words[i]} {words[i + 1]}")
    return out


#: How many texts and words the memory holds before it starts again.
_PHRASES_MAX = 200_000


class _PhraseMemory:
    """Per process (a running ``serve``): each message text's phrases and each word's form, for the member names
    they were cut with (``token``)."""

    def __init__(self) -> None:
        self.token: object = None
        self.phrases: dict[str, set[str]] = {}
        self.words: dict[str, tuple[str, bool]] = {}

    def for_names(self, token: object) -> None:
        """Start again when the names changed or the memory is full."""
        if self.token != token or len(self.phrases) + len(self.words) > _PHRASES_MAX:
            self.phrases.clear()
            self.words.clear()
            self.token = token


_MEMORY = _PhraseMemory()


def phrase_cache(snap: Snapshot, names: set[str]) -> Callable[[str], set[str]]:
    """``phrases(snap.plain_text_of(text), names)``, remembered per text while every member's names are unchanged (they
    decide both the plain text's mentions and the names left out), so a warm answer cuts only new texts."""
    memory = _MEMORY
    memory.for_names(
        (frozenset(names), tuple((u, m.name, m.display_name, m.real_name) for u, m in snap.members.items()))
    )

    def of(text: str) -> set[str]:
        found = memory.phrases.get(text)
        if found is None:
            found = memory.phrases[text] = phrases(snap.plain_text_of(text), names, memory.words)
        return found

    return of

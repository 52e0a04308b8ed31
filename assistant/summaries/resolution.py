"""Did a help thread get solved, by which reply, and who gave it?

A help thread is one where someone asks a question or reports a problem (the asker). A reply from someone
else solved it when the thread shows it, and only then:

- the asker thanks someone or says it works (a message that also says it did not work does not count); the
  credit goes to the members the thanks mentions, else to the author of the last reply before it;
- the asker's later message repeats code from the reply;
- the reply got reactions.

Of the credited person's replies, the one that looks most like an answer (code or a link, "try", "you can",
"use"...) and was reused or reacted to is named. Each signal has a weight; a reply needs 2 (one thanks, one
reuse of its code, or two reactions). Otherwise the thread is unresolved and its last message is the state.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from assistant.summaries.conversation import Conversation
from assistant.summaries.cues import is_confirmation, is_thanks, question_sentences
from assistant.summaries.text import is_question, is_small_talk, split_sentences

_PROBLEM = re.compile(
    r"\b(?:I(?:'m| am)? (?:\w+ ){0,3}?(?:stuck|getting (?:an? |this |the following )?(?:error|exception|warning))|"
    r"(?:me|my|I) (?:\w+ ){0,4}?(?:issue|problem|error|exception|bug)s?|"
    r"(?:I|my \w+) (?:can'?t|cannot|couldn'?t|don'?t know how to)|(?:doesn'?t|does not|won'?t|isn'?t) work|"
    r"not working|I(?:'m| am| have been|'ve been) trying to|is there a way|how (?:do|can|should) I|"
    r"any(?:one|body) (?:know|have|tried)|I(?:'m| am) wondering (?:if|whether|how))\b",
    re.I,
)
_ANSWER_CUE = re.compile(
    r"\b(?:try|use|you (?:can|could|need|should|have to|must|want|wanna|'d|would)|you'd|just|instead|"
    r"replace|add|install|run|set|remove|change|look at|check|here is|here's|the way to|should work)\b",
    re.I,
)
THRESHOLD = 2.0
#: Thanks, "it works" and reusing the code weigh the same; among equals the later reply wins (it superseded).
WEIGHTS = {"thanked": 3.0, "confirmed": 3.0, "reused": 3.0}


@dataclass
class Resolution:
    """``index`` is the solving reply (resolved) or the last message (unresolved)."""

    resolved: bool
    index: int
    asker: str
    helper: str | None = None
    signals: list[str] = field(default_factory=list)  # "thanked", "confirmed", "reused", "reactions"
    signal_indices: list[int] = field(default_factory=list)
    score: float = 0.0


def is_problem(text: str) -> bool:
    return bool(question_sentences(text)) or bool(_PROBLEM.search(text))


def askers(conv: Conversation) -> list[tuple[str, int]]:
    """People who asked something or reported a problem, with their first such message, in thread order."""
    seen: dict[str, int] = {}
    for i, t in enumerate(conv.turns):
        if t.user not in seen and is_problem(t.text):
            seen[t.user] = i
    return list(seen.items())


def answer_likeness(conv: Conversation, j: int) -> float:
    text = conv.turns[j].text
    value = 0.0
    if conv.turns[j].code or "http" in text or "(code)" in text:
        value += 1.0
    if _ANSWER_CUE.search(text):
        value += 1.0
    if len(text.split()) >= 8:
        value += 0.5
    if all(is_question(s) for s in split_sentences(text) or [text]):
        value -= 1.0  # a counter-question is not an answer
    return value


def _snippets(code: tuple[str, ...]) -> set[str]:
    """Pieces of code specific enough to say "the asker reused this": two-token runs, or one long token."""
    out: set[str] = set()
    for span in code:
        tokens = span.split()
        out.update(f"{a} {b}" for a, b in itertools.pairwise(tokens) if len(a + b) >= 6)
        out.update(t for t in tokens if len(t) >= 8 and not t.isalpha())
    return out


def reused(conv: Conversation, j: int, asker: str) -> int | None:
    """The asker's first later message that repeats code from turn ``j``, if any."""
    pieces = _snippets(conv.turns[j].code)
    if not pieces:
        return None
    for k in range(j + 1, len(conv)):
        t = conv.turns[k]
        if t.user == asker:
            written = " ".join((*t.code, " ".join(t.text.split())))
            if any(p in written for p in pieces):
                return k
    return None


def _content(conv: Conversation, j: int) -> bool:
    return not is_small_talk(conv.turns[j].text)


def _for_asker(conv: Conversation, asker: str, start: int) -> Resolution | None:
    turns = conv.turns
    scores: dict[int, float] = {}
    signals: dict[int, list[tuple[str, int]]] = {}

    def credit(j: int, signal: str, at: int, weight: float) -> None:
        scores[j] = scores.get(j, 0.0) + weight
        signals.setdefault(j, []).append((signal, at))

    helpers = [j for j in range(len(turns)) if turns[j].user != asker and _content(conv, j)]
    if not helpers:
        return None
    for k in range(start + 1, len(turns)):
        t = turns[k]
        if t.user != asker or not is_confirmation(t.text):
            continue
        before = [j for j in helpers if j < k]
        if not before:
            continue
        named = [u for u in t.mentions if u != asker]
        credited = named or [turns[before[-1]].user]
        for user in dict.fromkeys(credited):
            theirs = [j for j in before if turns[j].user == user]
            if not theirs:
                continue
            best = max(
                theirs,
                key=lambda j: (answer_likeness(conv, j) + (2 if reused(conv, j, asker) is not None else 0), j),
            )
            kind = "thanked" if is_thanks(t.text) else "confirmed"
            credit(best, kind, k, WEIGHTS[kind])
    for j in helpers:
        again = reused(conv, j, asker)
        if again is not None:
            credit(j, "reused", again, WEIGHTS["reused"])
        if turns[j].reactions and answer_likeness(conv, j) >= 1:
            credit(j, "reactions", j, float(min(turns[j].reactions, 3)))
    if not scores:
        return None
    best = max(scores, key=lambda j: (scores[j], j))
    if scores[best] < THRESHOLD:
        return None
    kinds = list(dict.fromkeys(s for s, _ in signals[best]))
    return Resolution(
        resolved=True,
        index=best,
        asker=asker,
        helper=turns[best].user,
        signals=kinds,
        signal_indices=sorted({at for _, at in signals[best] if at != best}),
        score=scores[best],
    )


def resolve(conv: Conversation) -> Resolution | None:
    """The resolution of a help thread (the opening asker's first, else another asker's), an unresolved state
    when nothing solved it, or None when nobody asked anything."""
    people = askers(conv)
    if not people:
        return None
    found = [r for asker, start in people if (r := _for_asker(conv, asker, start)) is not None]
    if found:
        return found[0]
    last = max((j for j in range(len(conv)) if _content(conv, j)), default=len(conv) - 1)
    return Resolution(resolved=False, index=last, asker=people[0][0])

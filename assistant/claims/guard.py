"""When a message near a claim does not repeat it: it negates the claim, or it sides with the correction.

Messages that deny a claim ("vaccines do not cause autism") sit close to it in embedding space, so a message that
negates a claim that is not itself negated, one nearer to the correction than to the claim, or one using more of
the correction's distinguishing words than the claim's, is spared.
"""

from __future__ import annotations

import re

from assistant.stopwords import GUARD_STOP_WORDS as _STOP

_NEGATION = re.compile(
    r"\b(not|no|never|isn'?t|aren'?t|doesn'?t|don'?t|didn'?t|won'?t|can'?t|cannot|myth|false|debunked|hoax)\b"
    r"|n't\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+")


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def sides_with_fact(message: str, claim: str, fact: str) -> bool:
    """True when the message shares more of the fact's distinguishing words than the claim's.

    Embeddings put "the meetup is on Thursday" next to "the meetup is every Friday now"; the words only one
    side uses ("thursday" vs "friday") tell which one the message agrees with.
    """
    words = content_words(message)
    claim_words, fact_words = content_words(claim), content_words(fact)
    return len(words & (fact_words - claim_words)) > len(words & (claim_words - fact_words))


def negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


def spared(
    message: str, claim: str, correction: str, similarity: float, correction_similarity: float | None
) -> str | None:
    """Why a message close to a claim does not repeat it (a short reason for the log), or None if it does."""
    if negated(message) and not negated(claim):
        return "the message negates it"
    if correction:
        if correction_similarity is not None and correction_similarity >= similarity:
            return "the message is closer to its correction"
        if sides_with_fact(message, claim, correction):
            return "the message uses the correction's distinguishing words"
    return None

"""Who "I", "you" and "we" are in one chat sentence (``rewrite``'s templates): the speaker, a certain addressee,
"they", or unknown (then the sentence is quoted). Inline code, links and mentions are masked while matching.

Kept apart from the templates: resolving referents is one rule set every template shares.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.summaries.verbs import ADVERBS, verb_after_i, verb_after_you

_FIRST = r"(?:I|me|my|mine|myself)"
_SECOND = r"(?:you|your|yours|yourself|yourselves|u|ur|ya|y'all|yall)"
_GROUP = r"(?:we|us|our|ours|ourselves)"
ANY_PRONOUN = re.compile(rf"(?<![\w'@#])(?:{_FIRST}|{_SECOND}|{_GROUP})(?![\w'])", re.I)
#: Words after which an object "you" needs no verb agreement: "send you the file", "thanks to you".
_OBJECT_FOLLOWERS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "it",
        "some",
        "any",
        "all",
        "to",
        "for",
        "with",
        "about",
        "in",
        "on",
        "at",
        "from",
        "by",
        "too",
        "again",
        "later",
        "back",
        "up",
        "out",
        "today",
        "tomorrow",
        "tonight",
        "now",
        "here",
        "there",
        "first",
        "soon",
        "please",
    ]
)
_ATOMIC = re.compile(r"`[^`\n]+`|https?://\S+|@[\w.\-]+|\u201c[^\u201d]*\u201d")  # code, links, mentions, quoted


class Masked:
    """Inline code, links and @mentions swapped for placeholders while a sentence is matched."""

    def __init__(self, text: str) -> None:
        self.spans: list[str] = []

        def keep(m: re.Match[str]) -> str:
            self.spans.append(m.group(0))
            return f"XQ{len(self.spans) - 1}QX"

        self.text = _ATOMIC.sub(keep, text)

    def restore(self, text: str) -> str:
        return re.sub(r"XQ(\d+)QX", lambda m: self.spans[int(m.group(1))], text)


#: Where a clause can begin inside a sentence, so that "I" or "you" right after it is that clause's subject.
_LEAD_WORDS = [
    "when",
    "if",
    "because",
    "that",
    "and",
    "but",
    "so",
    "while",
    "since",
    "until",
    "before",
    "after",
    "once",
    "whether",
    "where",
    "what",
    "how",
    "why",
    "which",
    "think",
    "guess",
    "hope",
    "know",
    "mean",
    "believe",
    "suppose",
    "wish",
    "said",
    "says",
    "afraid",
    "sure",
    "glad",
    "sorry",
    "happy",
    "surprised",
    "worried",
    "aware",
    "bet",
    "heard",
    "notice",
    "noticed",
    "realize",
    "realized",
    "understand",
    "remember",
    "than",
    "then",
]
_CLAUSE_LEAD = r"(?:^\s*|(?<=, )" + "".join(rf"|(?<=\b{w} )" for w in _LEAD_WORDS) + ")"
ADV_WORDS = r"((?: (?:" + "|".join(sorted(ADVERBS)) + r"|[a-z]{3,}ly(?<!fly)(?<!apply)(?<!reply)))*)"
_SUBJECT_I = re.compile(r"(?<![\w'@#-])I" + ADV_WORDS + r" ([A-Za-z]+)\b(?!')")  # "I" is always a subject
_SUBJECT_YOU = re.compile(_CLAUSE_LEAD + r"you" + ADV_WORDS + r" ([A-Za-z]+)\b(?!')", re.I)


def resolve_rest(rest: str, speaker: str, addressee: str | None, *, allow_me: bool) -> str | None:
    """``rest`` with every first- and second-person pronoun resolved, or None when one cannot be: "I" as a
    clause subject is the speaker (the verb agrees), "my" the speaker's, "me" the speaker when ``allow_me``;
    "you" as a clause subject, an object or "your" only with a certain ``addressee``. "we", "us", "our" and
    "let me" are never rewritten; nor is more than one sentence."""
    if re.search(r"\blet (?:me|us)\b", rest, re.I) or re.search(r"[.!?]\s", rest):
        return None
    failed = False

    def subject(name: str, agree: Any) -> Any:
        def repl(m: re.Match[str]) -> str:
            nonlocal failed
            verb = agree(m.group(2))
            if verb is None:
                failed = True
                return m.group(0)
            space = m.group(0)[: len(m.group(0)) - len(m.group(0).lstrip())]
            return f"{space}{name}{m.group(1)} {verb}"

        return repl

    out = _SUBJECT_I.sub(subject(speaker, verb_after_i), rest)
    out = re.sub(r"\b[Mm]y\b", f"{speaker}'s", out)
    if allow_me:
        out = re.sub(r"\bme\b", speaker, out)
    if addressee:
        out = _SUBJECT_YOU.sub(subject(addressee, verb_after_you), out)
        out = re.sub(r"\b[Yy]our\b", f"{addressee}'s", out)

        def obj(m: re.Match[str]) -> str:  # "send you the file": an object, no verb to agree
            nxt = m.group(1)
            you = addressee if nxt is None or nxt.lower() in _OBJECT_FOLLOWERS else "you"
            return you + m.group(0)[3:]

        out = re.sub(r"\byou\b(?: ([A-Za-z]+))?", obj, out)
    out = _GROUP_TO_THEY.sub(lambda m: _THEY[m.group(0).lower()], out)
    if failed or ANY_PRONOUN.search(out):
        return None
    return out


#: "we" is a group, never a name: it becomes "they" (the verb needs no change), as "us", "our" do.
_THEY = {"we": "they", "us": "them", "our": "their", "ours": "theirs", "ourselves": "themselves"}
_GROUP_TO_THEY = re.compile(r"(?<![\w'@#-])(?:we|us|our|ours|ourselves)(?![\w'-])", re.I)

"""Report one chat sentence in a summary: a third-person rewrite where every referent is certain, else a
verbatim quote with the speaker's name.

A summary line is one of two kinds, and nothing in between:

- a **template** with tested grammar (``tests/summaries/test_reported_speech.py`` pins every one):
  "I've only tried X" -> "Karma has only tried X."; "Do you use X?" -> "Ana asks whether Ben uses X.";
  "How do I install X?" -> "Ana asks how to install X.";
- a **quote**: ``Niesha: "you wanna `foldl (>>)` …"`` or ``Ron asks: "is there a way …?"``.

A template applies only when the whole sentence matches it and no pronoun is left whose referent is unsure:
"I", "me" and "my" are the speaker; "you" and "your" become a name only when the caller passes an addressee it
is certain of (a mention, or a two-person conversation); "we", "us" and "our" are never replaced by names;
"let me" is never rewritten. Inline code and links are masked while matching and come back unchanged.

This module holds the templates; verb forms are in ``verbs`` and pronoun resolution in ``pronouns``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.summaries.pronouns import ADV_WORDS, ANY_PRONOUN, Masked, resolve_rest
from assistant.summaries.text import strip_filler
from assistant.summaries.verbs import (
    ADVERBS,
    expand_contractions,
    is_past,
    past_tense,
    third_person_present,
    verb_after_i,
)

__all__ = ["Reported", "past_tense", "quote", "report", "third_person", "third_person_present"]

#: A quote leaves out only a leading interjection ("Oh, ", "Yeah ", "Hi, "); every other word is as written.
_INTERJECTION = re.compile(
    r"^(?:(?:oh|ok|okay|hmm+|um+|uh+|ah+|yeah|yes|yep|yup|well|hi|hey|hello|good (?:morning|afternoon|evening)|"
    r"excuse me)\b[\s,.!]*)+(?=\S)",
    re.I,
)
_WH = r"(what|which|where|when|why|how|who)"


@dataclass(frozen=True)
class Reported:
    """A summary line and how it was made: ``rewritten`` (a template) or a verbatim quote."""

    text: str
    rewritten: bool


#: Subordinators a reported statement may start with, when a main clause follows the comma.
_SUBORDINATE = frozenset(["if", "when", "because", "since", "while", "although", "after", "before", "as", "once"])
#: Verbs a chat imperative starts with ("Try X", "Go to your room"): "Ana tells Ben to try X".
_IMPERATIVES = frozenset(
    [
        "try",
        "use",
        "go",
        "come",
        "sit",
        "stand",
        "take",
        "give",
        "tell",
        "look",
        "check",
        "put",
        "make",
        "stop",
        "wait",
        "run",
        "install",
        "add",
        "remove",
        "see",
        "read",
        "open",
        "close",
        "call",
        "send",
        "keep",
        "bring",
        "finish",
        "leave",
        "turn",
        "change",
        "set",
        "write",
        "ask",
        "help",
        "move",
        "pick",
        "get",
        "follow",
        "restart",
        "update",
        "upgrade",
        "delete",
        "rename",
        "type",
        "click",
        "press",
        "paste",
        "share",
        "post",
    ]
)


def _finish(text: str, *, cut: bool) -> str:
    text = re.sub(r"\s+", " ", text).strip().rstrip(",;:")
    return text + ("…" if cut else ".")


# Templates ----------------------------------------------------------------------------------------------------
_ADV = r"((?:\s(?:" + "|".join(sorted(ADVERBS)) + r"))*)"


#: Openers that may stand before a first-person clause: "So far I've only tried ..." -> "So far Karma has ...".
_OPENER = (
    r"((?i:so far|for now|right now|now|today|yesterday|earlier|currently|at the moment|in the end|maybe|perhaps|"
    r"sometimes|usually|honestly|also|still|then|anyway|luckily|unfortunately),? )?"
)


#: First words of a statement that can follow "says": a subject or a subordinate clause, never an imperative.
_SAYS_STARTS = frozenset(
    [
        "you",
        "your",
        "my",
        "we",
        "our",
        "it",
        "this",
        "that",
        "there",
        "he",
        "she",
        "they",
        "his",
        "her",
        "its",
        "the",
        "a",
        "an",
        "if",
        "when",
        "because",
        "since",
        "while",
        "although",
        "after",
        "before",
        "as",
        "once",
    ]
)


def _verb_phrase(
    lead: str, verb: str, rest: str, speaker: str, addressee: str | None, *, allow_me: bool
) -> str | None:
    """``{speaker} {lead} {verb}{rest}`` ("Let me check the logs" -> "Ana offers to check the logs"), or None when
    ``rest`` keeps a referent that is not certain."""
    resolved = resolve_rest(rest, speaker, addressee, allow_me=allow_me)
    return f"{speaker} {lead} {verb.lower()}{resolved}" if resolved is not None else None


def _whole_clause(lead: str, clause: str, speaker: str, addressee: str | None) -> str | None:
    """``{speaker} {lead} {clause}`` with the clause's pronouns resolved, or None; a clause that does not start
    with a person ("the", "it", "if") is lower-cased after the lead."""
    resolved = resolve_rest(clause, speaker, addressee, allow_me=True)
    if resolved is None:
        return None
    if clause.split(" ", 1)[0].lower() not in ("i", "you", "your", "my", "we", "our"):
        resolved = resolved[0].lower() + resolved[1:]
    return f"{speaker} {lead} {resolved}"


def _asked_of_you(aux: str, verb: str) -> str | None:
    """The verb a "do/does/did you ..." question asks of the addressee, agreed with a third person."""
    if aux.lower() == "did":
        return past_tense(verb, known_only=False)
    return third_person_present(verb, known_only=False)


def _says(s: str, speaker: str, addressee: str | None) -> str | None:
    """ "You look tired." -> "Ana says Ben looks tired." (only when a pronoun had to be resolved)."""
    first = s.split(" ", 1)[0].lower()
    if first in _SUBORDINATE and ", " not in s:  # "if you would paste the log" is not a whole sentence
        return None
    if first not in _SAYS_STARTS or re.match(r"^(?:you|we) (?:should|could|can|need to|might want to)\b", s, re.I):
        return None
    if not ANY_PRONOUN.search(s):
        return None
    return _whole_clause("says", s, speaker, addressee)


def _statement(s: str, speaker: str, addressee: str | None) -> str | None:
    m = re.match(rf"^{_OPENER}I{_ADV} ([A-Za-z]+)(?!')( not)?{_ADV}(?:\s(.*))?$", s)
    if m:
        opener, adverbs, verb, negation, adverbs2, rest = m.groups()
        if verb.lower() == "do" and not negation and rest:  # emphatic "I do think": keep it simple, quote it
            return None
        agreed = verb_after_i(verb)
        if agreed is None:
            return None
        resolved = resolve_rest(rest or "", speaker, addressee, allow_me=True)
        if resolved is None:
            return None
        lead = opener[0].upper() + opener[1:] if opener else ""
        return f"{lead}{speaker}{adverbs} {agreed}{negation or ''}{adverbs2} {resolved}"
    says = _says(s, speaker, addressee)
    if says is not None:
        return says
    m = re.match(r"^(?:please )?(do not |never )?([A-Za-z]+)\b(.*)$", s, re.I)
    if m and addressee and m.group(2).lower() in _IMPERATIVES:  # "Go to your room" -> "tells Ben to go to ..."
        resolved = resolve_rest(m.group(3), speaker, addressee, allow_me=True)
        if resolved is not None:
            negation = "not " if m.group(1) else ""
            return f"{speaker} tells {addressee} {negation}to {m.group(2).lower()}{resolved}"
    m = re.match(r"^let me (?!see\b|say\b|think\b|know\b|guess\b)([a-z]+)\b(.*)$", s, re.I)
    if m:  # "Let me check the logs" -> "Ana offers to check the logs"; never "let Ana ..."
        return _verb_phrase("offers to", m.group(1), m.group(2), speaker, addressee, allow_me=False)
    m = re.match(r"^let us (?!see\b|say\b|hope\b|know\b)([a-z]+)\b(.*)$", s, re.I)
    if m:
        return _verb_phrase("suggests they", m.group(1), m.group(2), speaker, addressee, allow_me=False)
    m = re.match(r"^(you|we) (should|could|can|need to|might want to)\b(.*)$", s, re.I)
    if m:
        who = m.group(1).lower()
        if who == "you" and not addressee:
            return None
        subject = addressee if who == "you" else "they"
        resolved = resolve_rest(m.group(3), speaker, addressee, allow_me=True)
        if resolved is None:
            return None
        modal = m.group(2).lower()
        modal = "needs to" if modal == "need to" and who == "you" else modal
        return f"{speaker} suggests {subject} {modal}{resolved}"
    return None


def _question(q: str, speaker: str, addressee: str | None) -> str | None:
    q = q.rstrip("?").strip()
    m = re.match(r"^(?:can|could|would|will) you (?:please )?([a-z]+)\b(.*)$", q, re.I)
    if m and addressee:
        return _verb_phrase(f"asks {addressee} to", m.group(1), m.group(2), speaker, addressee, allow_me=True)
    m = re.match(r"^how about (.+)$", q, re.I)
    if m:
        rest = resolve_rest(" " + m.group(1), speaker, addressee, allow_me=True)
        return f"{speaker} suggests{rest}" if rest is not None else None
    m = re.match(r"^what about (.+)$", q, re.I)
    if m:
        rest = resolve_rest(" " + m.group(1), speaker, addressee, allow_me=True)
        verb = "suggests" if re.match(r"^\w+ing\b", m.group(1)) else "asks about"  # "what about taking a tour"
        return f"{speaker} {verb}{rest}" if rest is not None else None
    m = re.match(rf"^{_WH}\b((?: [a-z]+){{0,3}}?) (do|does|did) you{ADV_WORDS} ([a-z]+)\b(.*)$", q, re.I)
    if m and addressee:
        wh, mid, aux, adverbs, verb, rest = m.groups()
        form = _asked_of_you(aux, verb)
        resolved = resolve_rest(rest, speaker, addressee, allow_me=True)
        if form is None or resolved is None or ANY_PRONOUN.search(mid):
            return None
        return f"{speaker} asks {wh.lower()}{mid} {addressee}{adverbs} {form}{resolved}"
    m = re.match(
        rf"^{_WH}\b((?: [a-z]+){{0,3}}?) (can|could|will|would|should|have|are|were|am) (you|I){ADV_WORDS} (.*)$",
        q,
        re.I,
    )
    if m and not (m.group(4) == "you" and not addressee) and not ANY_PRONOUN.search(m.group(2)):
        wh, mid, aux, who, adverbs, rest = m.groups()
        subject = speaker if who == "I" else addressee
        agreed = {"have": "has", "are": "is", "were": "was", "am": "is"}.get(aux.lower(), aux.lower())
        if (who == "I") != (aux.lower() == "am") and aux.lower() in ("are", "were", "am"):
            return None
        resolved = resolve_rest(" " + rest, speaker, addressee, allow_me=True)
        return (
            f"{speaker} asks {wh.lower()}{mid} {subject}{adverbs} {agreed}{resolved}"
            if resolved is not None
            else None
        )
    m = re.match(r"^(?:shall|should) we ([a-z]+)\b(.*)$", q, re.I)
    if m:
        return _verb_phrase("suggests they", m.group(1), m.group(2), speaker, addressee, allow_me=True)
    m = re.match(r"^(?:can|could|may) I ([a-z]+)\b(.*)$", q, re.I)
    if m:
        return _verb_phrase("asks to", m.group(1), m.group(2), speaker, addressee, allow_me=False)
    m = re.match(r"^(what|who) ([a-z]+(?:s|ed))\b(.*)$", q, re.I)
    if (
        m
        and m.group(2).lower() not in ("is", "was", "does", "has", "was")
        and (third_person_present(m.group(2)[:-1]) or is_past(m.group(2)) or m.group(2).lower().endswith("es"))
    ):  # "What seems to be the problem?" -> "asks what seems to be the problem" (no inversion)
        resolved = resolve_rest(m.group(3), speaker, addressee, allow_me=True)
        if resolved is not None:
            return f"{speaker} asks {m.group(1).lower()} {m.group(2).lower()}{resolved}"
    m = re.match(r"^(what|where|when|who) is ((?:your|my|our|the|this|that|his|her|their) [^,;:]+)$", q, re.I)
    if m and len(m.group(2).split()) <= 8 and not re.search(r"ing\b", m.group(2)):
        resolved = resolve_rest(" " + m.group(2), speaker, addressee, allow_me=True)
        if resolved is not None:  # "What is your name?" -> "asks what Ben's name is"
            return f"{speaker} asks {m.group(1).lower()}{resolved} is"
    m = re.match(r"^what is (wrong|the matter|going on|happening)\b(.*)$", q, re.I)
    if m:
        return _verb_phrase("asks what is", m.group(1), m.group(2), speaker, addressee, allow_me=True)
    m = re.match(rf"^{_WH}\b (?:do|can|should) I ([a-z]+)\b(.*)$", q, re.I)
    if m:
        wh, verb, rest = m.group(1).lower(), m.group(2).lower(), m.group(3)
        if wh in ("why", "who") or (wh in ("what", "which") and verb in ("need", "want", "have", "get")):
            return None
        return _verb_phrase(f"asks {wh} to", verb, rest, speaker, addressee, allow_me=False)
    m = re.match(r"^(do|does|did) you ([a-z]+)\b(.*)$", q, re.I)
    if m and addressee:
        aux, verb, rest = m.groups()
        form = _asked_of_you(aux, verb)
        resolved = resolve_rest(rest, speaker, addressee, allow_me=True)
        if form is None or resolved is None:
            return None
        return f"{speaker} asks whether {addressee} {form}{resolved}"
    m = re.match(r"^(are|were|have) you\b(.*)$", q, re.I)
    if m and addressee:
        aux = {"are": "is", "were": "was", "have": "has"}[m.group(1).lower()]
        resolved = resolve_rest(m.group(2), speaker, addressee, allow_me=True)
        return f"{speaker} asks whether {addressee} {aux}{resolved}" if resolved is not None else None
    m = re.match(r"^(is|was) (there|this|that|it)\b(.*)$", q, re.I)
    if m:
        resolved = resolve_rest(m.group(3), speaker, addressee, allow_me=True)
        if resolved is None:
            return None
        return f"{speaker} asks whether {m.group(2).lower()} {m.group(1).lower()}{resolved}"
    return _declarative_question(q, speaker, addressee)


_TAG = re.compile(
    r",? (?:do|does|did|are|is|was|were|have|has|can|could|will|would)(?: not|n't)? (?:you|I|it|they|we|he|she)$",
    re.I,
)
_AUX_OR_WH = re.compile(
    rf"^(?:{_WH}|do|does|did|can|could|would|will|should|shall|may|might|must|is|are|was|were|"
    r"have|has|had|am|any|anyone|anybody)\b",
    re.I,
)


def _declarative_question(q: str, speaker: str, addressee: str | None) -> str | None:
    """ "You married Joe, didn't you?" / "The company cancelled your trip?" -> "asks whether ..."."""
    q = _TAG.sub("", q)
    if _AUX_OR_WH.match(q):
        return None
    first = q.split(" ", 1)[0]
    if first not in ("I", "you", "You") and first.lower() not in _SAYS_STARTS:
        return None
    return _whole_clause("asks whether", q, speaker, addressee)


# Public -------------------------------------------------------------------------------------------------------
def quote(text: str, speaker: str) -> str:
    """A verbatim quote with its speaker; questions are introduced with "asks"."""
    text = text.strip()
    return f'{speaker} asks: "{text}"' if text.endswith("?") else f'{speaker}: "{text}"'


def report(sentence: str, speaker: str, addressee: str | None = None) -> Reported:
    """``sentence`` by ``speaker`` as a summary line: a template when one matches the whole sentence with every
    referent certain, else a verbatim quote. ``addressee`` is whom "you" certainly means, or None."""
    raw = sentence.strip()
    if not raw:
        return Reported("", False)
    cut = raw.endswith("…")
    masked = Masked(re.sub(r"^(?:@[\w.\-]+[,:]?\s+)+", "", raw))  # a leading "@ana" says whom, not what
    core = strip_filler(masked.text.rstrip("…").strip()) or masked.text
    core = re.sub(r"^(?:but|and|or|so(?! far\b))\s+(?=\w)", "", core, flags=re.I)  # a connective, not the clause
    question = core.rstrip().endswith("?")
    body = expand_contractions(core.rstrip(" .!").strip())
    out = _question(body, speaker, addressee) if question else _statement(body, speaker, addressee)
    if out is None:
        return Reported(quote(_INTERJECTION.sub("", raw) or raw, speaker), False)
    return Reported(_finish(masked.restore(out), cut=cut), True)


def third_person(sentence: str, speaker: str, addressee: str | None = None) -> str:
    """The text of ``report``: kept for callers that only need the line."""
    return report(sentence, speaker, addressee).text

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.summaries.text import strip_filler

#: A quote leaves out only a leading interjection ("Oh, ", "Yeah ", "Hi, "); every other word is as written.
_INTERJECTION = re.compile(
    r"^(?:(?:oh|ok|okay|hmm+|um+|uh+|ah+|yeah|yes|yep|yup|well|hi|hey|hello|good (?:morning|afternoon|evening)|"
    r"excuse me)\b[\s,.!]*)+(?=\S)",
    re.I,
)

_MODALS = frozenset(["can", "could", "will", "would", "should", "shall", "may", "might", "must", "cannot"])
_ADVERBS = frozenset(
    [
        "just",
        "really",
        "also",
        "still",
        "usually",
        "always",
        "never",
        "often",
        "only",
        "actually",
        "already",
        "even",
        "probably",
        "definitely",
        "sometimes",
        "mostly",
        "rarely",
        "now",
        "then",
        "recently",
        "finally",
        "currently",
    ]
)
_IRREGULAR_PAST = {
    "go": "went",
    "have": "had",
    "see": "saw",
    "get": "got",
    "do": "did",
    "make": "made",
    "take": "took",
    "come": "came",
    "buy": "bought",
    "eat": "ate",
    "know": "knew",
    "find": "found",
    "tell": "told",
    "say": "said",
    "think": "thought",
    "leave": "left",
    "feel": "felt",
    "spend": "spent",
    "meet": "met",
    "hear": "heard",
    "pay": "paid",
    "send": "sent",
    "write": "wrote",
    "give": "gave",
    "run": "ran",
    "win": "won",
    "lose": "lost",
    "keep": "kept",
    "bring": "brought",
    "sleep": "slept",
    "build": "built",
    "forget": "forgot",
    "begin": "began",
    "break": "broke",
    "choose": "chose",
    "understand": "understood",
    "sit": "sat",
    "wear": "wore",
    "fall": "fell",
    "drive": "drove",
    "ride": "rode",
    "speak": "spoke",
    "stand": "stood",
    "catch": "caught",
    "teach": "taught",
    "sell": "sold",
    "become": "became",
    "grow": "grew",
    "draw": "drew",
    "fly": "flew",
    "throw": "threw",
    "swim": "swam",
    "sing": "sang",
    "ring": "rang",
    "drink": "drank",
    "hide": "hid",
    "shake": "shook",
    "wake": "woke",
    "lend": "lent",
    "mean": "meant",
    "deal": "dealt",
    "feed": "fed",
    "fight": "fought",
    "hold": "held",
    "lead": "led",
    "light": "lit",
    "seek": "sought",
    "shoot": "shot",
    "steal": "stole",
    "stick": "stuck",
    "strike": "struck",
    "swing": "swung",
    "bend": "bent",
    "bind": "bound",
    "bite": "bit",
    "blow": "blew",
    "dig": "dug",
    "freeze": "froze",
    "hang": "hung",
    "forgive": "forgave",
    "arise": "arose",
    "awake": "awoke",
    "bear": "bore",
    "beat": "beat",
    "rise": "rose",
    "shine": "shone",
    "sink": "sank",
    "slide": "slid",
    "spin": "spun",
    "tear": "tore",
    "wind": "wound",
}
#: Past forms that are also present forms ("read", "put", "beat") never count as past: "I read that" is either.
_PAST_FORMS = frozenset(_IRREGULAR_PAST.values()) - {"beat"}
#: Chat spellings that are not one verb: "I wanna", "I gotta".
_NOT_A_VERB = frozenset(
    [
        "wanna",
        "gotta",
        "gonna",
        "dunno",
        "hafta",
        "lemme",
        "gotcha",
        "too",
        "alone",
        "myself",
        "also",
        "either",
        "sure",
        "ok",
        "okay",
        "alright",
        "right",
        "well",
        "not",
        "still",
        "the",
        "a",
        "an",
    ]
)
#: Present-tense verbs whose third-person form the templates may write; any other verb after "I" is quoted.
_PRESENT_VERBS = frozenset(
    [
        "want",
        "need",
        "think",
        "know",
        "get",
        "use",
        "like",
        "love",
        "hate",
        "see",
        "guess",
        "feel",
        "hope",
        "believe",
        "agree",
        "disagree",
        "try",
        "mean",
        "prefer",
        "remember",
        "understand",
        "suppose",
        "wonder",
        "work",
        "find",
        "run",
        "build",
        "write",
        "say",
        "go",
        "keep",
        "look",
        "expect",
        "plan",
        "tend",
        "recommend",
        "suggest",
        "assume",
        "wish",
        "doubt",
        "live",
        "study",
        "play",
        "watch",
        "enjoy",
        "miss",
        "come",
        "take",
        "make",
        "eat",
        "buy",
        "pay",
        "send",
        "bring",
        "sleep",
        "spend",
        "meet",
        "hear",
        "leave",
        "lose",
        "win",
        "forget",
        "care",
        "worry",
        "fix",
        "install",
        "open",
        "close",
        "start",
        "stop",
        "call",
        "check",
        "update",
        "plan",
        "teach",
        "learn",
        "ask",
        "help",
        "read",
        "put",
    ]
)
_IRREGULAR_PRESENT = {"have": "has", "do": "does", "go": "goes", "am": "is", "be": "is"}

_CONTRACTIONS = [
    (r"\bI'm\b", "I am"),
    (r"\bI've\b", "I have"),
    (r"\bI'll\b", "I will"),
    (r"\bI'd\b", "I would"),
    (r"\byou're\b", "you are"),
    (r"\byou've\b", "you have"),
    (r"\byou'll\b", "you will"),
    (r"\byou'd\b", "you would"),
    (r"\bwe're\b", "we are"),
    (r"\bwe've\b", "we have"),
    (r"\bwe'll\b", "we will"),
    (r"\blet's\b", "let us"),
    (r"\bwhat's\b", "what is"),
    (r"\b(it|that|there)'s been\b", r"\1 has been"),
    (r"\b(it|that|there)'s\b", r"\1 is"),
    (r"\b(should|could|would|must|need|might|has|had|were)n'?t\b", r"\1 not"),
    (r"\bdon'?t\b", "do not"),
    (r"\bdoesn'?t\b", "does not"),
    (r"\bdidn'?t\b", "did not"),
    (r"\bcan'?t\b", "cannot"),
    (r"\bwon't\b", "will not"),
    (r"\bisn'?t\b", "is not"),
    (r"\baren'?t\b", "are not"),
    (r"\bhaven'?t\b", "have not"),
    (r"\bwasn'?t\b", "was not"),
    (r"\bIm\b", "I am"),
    (r"\bIve\b", "I have"),
]
_FIRST = r"(?:I|me|my|mine|myself)"
_SECOND = r"(?:you|your|yours|yourself|yourselves|u|ur|ya|y'all|yall)"
_GROUP = r"(?:we|us|our|ours|ourselves)"
_ANY_PRONOUN = re.compile(rf"(?<![\w'@#])(?:{_FIRST}|{_SECOND}|{_GROUP})(?![\w'])", re.I)
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
_WH = r"(what|which|where|when|why|how|who)"


@dataclass(frozen=True)
class Reported:
    """A summary line and how it was made: ``rewritten`` (a template) or a verbatim quote."""

    text: str
    rewritten: bool


# Helpers ------------------------------------------------------------------------------------------------------
def _expand(text: str) -> str:
    for pattern, repl in _CONTRACTIONS:
        text = re.sub(pattern, repl, text, flags=0 if pattern.startswith(r"\bI") else re.I)
    return text


def third_person_present(word: str, *, known_only: bool = True) -> str | None:
    """The third-person form of a present-tense verb ("try" -> "tries"), or None when unknown; with
    ``known_only=False`` any plain lower-case word that is not an adverb ("-ly") or chat spelling is inflected
    by the regular rules (a word after "I" is a verb)."""
    low = word.lower()
    if low in _IRREGULAR_PRESENT:
        return _IRREGULAR_PRESENT[low]
    if low not in _PRESENT_VERBS and (
        known_only or not word.isalpha() or not word.islower() or low.endswith("ly") or low in _NOT_A_VERB
    ):
        return None
    if low.endswith(("s", "sh", "ch", "x", "z", "o")):
        return word + "es"
    if low.endswith("y") and low[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def past_tense(word: str, *, known_only: bool = True) -> str | None:
    """The past form of a verb ("go" -> "went", "try" -> "tried"), or None when unknown; ``known_only=False``
    applies the regular rule to any plain word (after "did you" the word is a bare verb)."""
    low = word.lower()
    if low in _IRREGULAR_PAST:
        return _IRREGULAR_PAST[low]
    if low in _SAME_PAST:
        return low
    if low not in _PRESENT_VERBS and (known_only or not word.isalpha() or low in _NOT_A_VERB):
        return None
    if low.endswith("e"):
        return word + "d"
    if low.endswith("y") and low[-2] not in "aeiou":
        return word[:-1] + "ied"
    if low in ("plan", "stop"):
        return word + word[-1] + "ed"
    return word + "ed"


def _is_past(word: str) -> bool:
    low = word.lower()
    if low in _PAST_FORMS:
        return True
    return low.endswith("ed") and len(low) > 4 and low not in _ED_PRESENT


class _Masked:
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
_ADV_WORDS = r"((?: (?:" + "|".join(sorted(_ADVERBS)) + r"|[a-z]{3,}ly(?<!fly)(?<!apply)(?<!reply)))*)"
_SUBJECT_I = re.compile(r"(?<![\w'@#-])I" + _ADV_WORDS + r" ([A-Za-z]+)\b(?!')")  # "I" is always a subject
_SUBJECT_YOU = re.compile(_CLAUSE_LEAD + r"you" + _ADV_WORDS + r" ([A-Za-z]+)\b(?!')", re.I)


def _verb_after_you(verb: str) -> str | None:
    """The verb after a subject "you" that became a name ("you are" -> "Ben is"); None when unknown."""
    low = verb.lower()
    if low in ("are", "were", "have", "do"):
        return {"are": "is", "were": "was", "have": "has", "do": "does"}[low]
    return _verb_after_i(verb) if low not in ("am", "was") else None


def _resolve_rest(rest: str, speaker: str, addressee: str | None, *, allow_me: bool) -> str | None:
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

    out = _SUBJECT_I.sub(subject(speaker, _verb_after_i), rest)
    out = re.sub(r"\b[Mm]y\b", f"{speaker}'s", out)
    if allow_me:
        out = re.sub(r"\bme\b", speaker, out)
    if addressee:
        out = _SUBJECT_YOU.sub(subject(addressee, _verb_after_you), out)
        out = re.sub(r"\b[Yy]our\b", f"{addressee}'s", out)

        def obj(m: re.Match[str]) -> str:  # "send you the file": an object, no verb to agree
            nxt = m.group(1)
            you = addressee if nxt is None or nxt.lower() in _OBJECT_FOLLOWERS else "you"
            return you + m.group(0)[3:]

        out = re.sub(r"\byou\b(?: ([A-Za-z]+))?", obj, out)
    out = _GROUP_TO_THEY.sub(lambda m: _THEY[m.group(0).lower()], out)
    if failed or _ANY_PRONOUN.search(out):
        return None
    return out


#: "we" is a group, never a name: it becomes "they" (the verb needs no change), as "us", "our" do.
_THEY = {"we": "they", "us": "them", "our": "their", "ours": "theirs", "ourselves": "themselves"}
_GROUP_TO_THEY = re.compile(r"(?<![\w'@#-])(?:we|us|our|ours|ourselves)(?![\w'-])", re.I)
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


#: Verbs whose present and past look the same ("I read that already"): a rewrite would have to guess the tense.
_SAME_PAST = frozenset(["read", "put", "set", "let", "cut", "hit", "quit", "spread", "shut", "cost", "hurt"])
_ED_PRESENT = frozenset(
    ["need", "embed", "proceed", "succeed", "exceed", "feed", "speed", "bleed", "seed", "breed"]
)


def _verb_after_i(verb: str) -> str | None:
    """The verb after a subject "I" that became the speaker's name; None when agreement is not known."""
    low = verb.lower()
    if low in _SAME_PAST:
        return None
    if low == "am":
        return "is"
    if low == "have":
        return "has"
    if low == "do":
        return "does"
    if low in _MODALS or low in ("was", "did", "had"):
        return low
    if low in _ED_PRESENT:
        return third_person_present(verb)
    if _is_past(low):
        return verb
    return third_person_present(verb, known_only=False)


def _finish(text: str, *, cut: bool) -> str:
    text = re.sub(r"\s+", " ", text).strip().rstrip(",;:")
    return text + ("…" if cut else ".")


# Templates ----------------------------------------------------------------------------------------------------
_ADV = r"((?:\s(?:" + "|".join(sorted(_ADVERBS)) + r"))*)"


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


def _says(s: str, speaker: str, addressee: str | None) -> str | None:
    """ "You look tired." -> "Ana says Ben looks tired." (only when a pronoun had to be resolved)."""
    first = s.split(" ", 1)[0].lower()
    if first in _SUBORDINATE and ", " not in s:  # "if you would paste the log" is not a whole sentence
        return None
    if first not in _SAYS_STARTS or re.match(r"^(?:you|we) (?:should|could|can|need to|might want to)\b", s, re.I):
        return None
    if not _ANY_PRONOUN.search(s):
        return None
    resolved = _resolve_rest(s, speaker, addressee, allow_me=True)
    if resolved is None:
        return None
    if first not in ("you", "your", "my", "we", "our"):
        resolved = resolved[0].lower() + resolved[1:]
    return f"{speaker} says {resolved}"


def _statement(s: str, speaker: str, addressee: str | None) -> str | None:
    m = re.match(rf"^{_OPENER}I{_ADV} ([A-Za-z]+)(?!')( not)?{_ADV}(?:\s(.*))?$", s)
    if m:
        opener, adverbs, verb, negation, adverbs2, rest = m.groups()
        if verb.lower() == "do" and not negation and rest:  # emphatic "I do think": keep it simple, quote it
            return None
        agreed = _verb_after_i(verb)
        if agreed is None:
            return None
        resolved = _resolve_rest(rest or "", speaker, addressee, allow_me=True)
        if resolved is None:
            return None
        lead = opener[0].upper() + opener[1:] if opener else ""
        return f"{lead}{speaker}{adverbs} {agreed}{negation or ''}{adverbs2} {resolved}"
    says = _says(s, speaker, addressee)
    if says is not None:
        return says
    m = re.match(r"^(?:please )?(do not |never )?([A-Za-z]+)\b(.*)$", s, re.I)
    if m and addressee and m.group(2).lower() in _IMPERATIVES:  # "Go to your room" -> "tells Ben to go to ..."
        resolved = _resolve_rest(m.group(3), speaker, addressee, allow_me=True)
        if resolved is not None:
            negation = "not " if m.group(1) else ""
            return f"{speaker} tells {addressee} {negation}to {m.group(2).lower()}{resolved}"
    m = re.match(r"^let me (?!see\b|say\b|think\b|know\b|guess\b)([a-z]+)\b(.*)$", s, re.I)
    if m:  # "Let me check the logs" -> "Ana offers to check the logs"; never "let Ana ..."
        resolved = _resolve_rest(m.group(2), speaker, addressee, allow_me=False)
        return f"{speaker} offers to {m.group(1).lower()}{resolved}" if resolved is not None else None
    m = re.match(r"^let us (?!see\b|say\b|hope\b|know\b)([a-z]+)\b(.*)$", s, re.I)
    if m:
        resolved = _resolve_rest(m.group(2), speaker, addressee, allow_me=False)
        return f"{speaker} suggests they {m.group(1).lower()}{resolved}" if resolved is not None else None
    m = re.match(r"^(you|we) (should|could|can|need to|might want to)\b(.*)$", s, re.I)
    if m:
        who = m.group(1).lower()
        if who == "you" and not addressee:
            return None
        subject = addressee if who == "you" else "they"
        resolved = _resolve_rest(m.group(3), speaker, addressee, allow_me=True)
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
        rest = _resolve_rest(m.group(2), speaker, addressee, allow_me=True)
        return f"{speaker} asks {addressee} to {m.group(1).lower()}{rest}" if rest is not None else None
    m = re.match(r"^how about (.+)$", q, re.I)
    if m:
        rest = _resolve_rest(" " + m.group(1), speaker, addressee, allow_me=True)
        return f"{speaker} suggests{rest}" if rest is not None else None
    m = re.match(r"^what about (.+)$", q, re.I)
    if m:
        rest = _resolve_rest(" " + m.group(1), speaker, addressee, allow_me=True)
        verb = "suggests" if re.match(r"^\w+ing\b", m.group(1)) else "asks about"  # "what about taking a tour"
        return f"{speaker} {verb}{rest}" if rest is not None else None
    m = re.match(rf"^{_WH}\b((?: [a-z]+){{0,3}}?) (do|does|did) you{_ADV_WORDS} ([a-z]+)\b(.*)$", q, re.I)
    if m and addressee:
        wh, mid, aux, adverbs, verb, rest = m.groups()
        form = (
            past_tense(verb, known_only=False)
            if aux.lower() == "did"
            else third_person_present(verb, known_only=False)
        )
        resolved = _resolve_rest(rest, speaker, addressee, allow_me=True)
        if form is None or resolved is None or _ANY_PRONOUN.search(mid):
            return None
        return f"{speaker} asks {wh.lower()}{mid} {addressee}{adverbs} {form}{resolved}"
    m = re.match(
        rf"^{_WH}\b((?: [a-z]+){{0,3}}?) (can|could|will|would|should|have|are|were|am) (you|I){_ADV_WORDS} (.*)$",
        q,
        re.I,
    )
    if m and not (m.group(4) == "you" and not addressee) and not _ANY_PRONOUN.search(m.group(2)):
        wh, mid, aux, who, adverbs, rest = m.groups()
        subject = speaker if who == "I" else addressee
        agreed = {"have": "has", "are": "is", "were": "was", "am": "is"}.get(aux.lower(), aux.lower())
        if (who == "I") != (aux.lower() == "am") and aux.lower() in ("are", "were", "am"):
            return None
        resolved = _resolve_rest(" " + rest, speaker, addressee, allow_me=True)
        return (
            f"{speaker} asks {wh.lower()}{mid} {subject}{adverbs} {agreed}{resolved}"
            if resolved is not None
            else None
        )
    m = re.match(r"^(?:shall|should) we ([a-z]+)\b(.*)$", q, re.I)
    if m:
        resolved = _resolve_rest(m.group(2), speaker, addressee, allow_me=True)
        return f"{speaker} suggests they {m.group(1).lower()}{resolved}" if resolved is not None else None
    m = re.match(r"^(?:can|could|may) I ([a-z]+)\b(.*)$", q, re.I)
    if m:
        resolved = _resolve_rest(m.group(2), speaker, addressee, allow_me=False)
        return f"{speaker} asks to {m.group(1).lower()}{resolved}" if resolved is not None else None
    m = re.match(r"^(what|who) ([a-z]+(?:s|ed))\b(.*)$", q, re.I)
    if (
        m
        and m.group(2).lower() not in ("is", "was", "does", "has", "was")
        and (third_person_present(m.group(2)[:-1]) or _is_past(m.group(2)) or m.group(2).lower().endswith("es"))
    ):  # "What seems to be the problem?" -> "asks what seems to be the problem" (no inversion)
        resolved = _resolve_rest(m.group(3), speaker, addressee, allow_me=True)
        if resolved is not None:
            return f"{speaker} asks {m.group(1).lower()} {m.group(2).lower()}{resolved}"
    m = re.match(r"^(what|where|when|who) is ((?:your|my|our|the|this|that|his|her|their) [^,;:]+)$", q, re.I)
    if m and len(m.group(2).split()) <= 8 and not re.search(r"ing\b", m.group(2)):
        resolved = _resolve_rest(" " + m.group(2), speaker, addressee, allow_me=True)
        if resolved is not None:  # "What is your name?" -> "asks what Ben's name is"
            return f"{speaker} asks {m.group(1).lower()}{resolved} is"
    m = re.match(r"^what is (wrong|the matter|going on|happening)\b(.*)$", q, re.I)
    if m:
        resolved = _resolve_rest(m.group(2), speaker, addressee, allow_me=True)
        return f"{speaker} asks what is {m.group(1).lower()}{resolved}" if resolved is not None else None
    m = re.match(rf"^{_WH}\b (?:do|can|should) I ([a-z]+)\b(.*)$", q, re.I)
    if m:
        wh, verb, rest = m.group(1).lower(), m.group(2).lower(), m.group(3)
        if wh in ("why", "who") or (wh in ("what", "which") and verb in ("need", "want", "have", "get")):
            return None
        resolved = _resolve_rest(rest, speaker, addressee, allow_me=False)
        return f"{speaker} asks {wh} to {verb}{resolved}" if resolved is not None else None
    m = re.match(r"^(do|does|did) you ([a-z]+)\b(.*)$", q, re.I)
    if m and addressee:
        aux, verb, rest = m.groups()
        form = (
            past_tense(verb, known_only=False)
            if aux.lower() == "did"
            else third_person_present(verb, known_only=False)
        )
        resolved = _resolve_rest(rest, speaker, addressee, allow_me=True)
        if form is None or resolved is None:
            return None
        return f"{speaker} asks whether {addressee} {form}{resolved}"
    m = re.match(r"^(are|were|have) you\b(.*)$", q, re.I)
    if m and addressee:
        aux = {"are": "is", "were": "was", "have": "has"}[m.group(1).lower()]
        resolved = _resolve_rest(m.group(2), speaker, addressee, allow_me=True)
        return f"{speaker} asks whether {addressee} {aux}{resolved}" if resolved is not None else None
    m = re.match(r"^(is|was) (there|this|that|it)\b(.*)$", q, re.I)
    if m:
        resolved = _resolve_rest(m.group(3), speaker, addressee, allow_me=True)
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
    resolved = _resolve_rest(q, speaker, addressee, allow_me=True)
    if resolved is None:
        return None
    if first.lower() not in ("i", "you", "your", "my", "we", "our"):
        resolved = resolved[0].lower() + resolved[1:]
    return f"{speaker} asks whether {resolved}"


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
    masked = _Masked(re.sub(r"^(?:@[\w.\-]+[,:]?\s+)+", "", raw))  # a leading "@ana" says whom, not what
    core = strip_filler(masked.text.rstrip("…").strip()) or masked.text
    core = re.sub(r"^(?:but|and|or|so(?! far\b))\s+(?=\w)", "", core, flags=re.I)  # a connective, not the clause
    question = core.rstrip().endswith("?")
    body = _expand(core.rstrip(" .!").strip())
    out = _question(body, speaker, addressee) if question else _statement(body, speaker, addressee)
    if out is None:
        return Reported(quote(_INTERJECTION.sub("", raw) or raw, speaker), False)
    return Reported(_finish(masked.restore(out), cut=cut), True)


def third_person(sentence: str, speaker: str, addressee: str | None = None) -> str:
    """The text of ``report``: kept for callers that only need the line."""
    return report(sentence, speaker, addressee).text

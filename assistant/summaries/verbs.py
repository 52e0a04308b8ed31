"""English verb forms the reported-speech templates need (``rewrite``): word lists, contractions, present
third-person and past forms, and the verb agreement after "I" or "you" once it became a name.

Kept apart from the templates because it is mostly data (word tables) that the templates only consult.
"""

from __future__ import annotations

import re

_MODALS = frozenset(["can", "could", "will", "would", "should", "shall", "may", "might", "must", "cannot"])
ADVERBS = frozenset(
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


# Helpers ------------------------------------------------------------------------------------------------------
def expand_contractions(text: str) -> str:
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


def is_past(word: str) -> bool:
    low = word.lower()
    if low in _PAST_FORMS:
        return True
    return low.endswith("ed") and len(low) > 4 and low not in _ED_PRESENT


#: Verbs whose present and past look the same ("I read that already"): a rewrite would have to guess the tense.
_SAME_PAST = frozenset(["read", "put", "set", "let", "cut", "hit", "quit", "spread", "shut", "cost", "hurt"])
_ED_PRESENT = frozenset(
    ["need", "embed", "proceed", "succeed", "exceed", "feed", "speed", "bleed", "seed", "breed"]
)


def verb_after_i(verb: str) -> str | None:
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
    if is_past(low):
        return verb
    return third_person_present(verb, known_only=False)


def verb_after_you(verb: str) -> str | None:
    """The verb after a subject "you" that became a name ("you are" -> "Ben is"); None when unknown."""
    low = verb.lower()
    if low in ("are", "were", "have", "do"):
        return {"are": "is", "were": "was", "have": "has", "do": "does"}[low]
    return verb_after_i(verb) if low not in ("am", "was") else None

"""Turn a chat sentence into a third-person summary line: "I can't log in" -> "Ana can't log in".

Readers (and DialogSum's reference summaries) expect reported speech with names, not quoted first-person turns,
so selected sentences are attributed to their speaker, pronouns are shifted to names, and the verb after a
replaced subject is made to agree. The rules are deliberately small and predictable: when a pattern does not
match, the sentence is attributed with "says" rather than guessed at.
"""

from __future__ import annotations

import re

_MODALS = frozenset(["can", "could", "will", "would", "should", "shall", "may", "might", "must"])
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
    "read": "read",
    "write": "wrote",
    "give": "gave",
    "be": "was",
    "put": "put",
    "run": "ran",
    "win": "won",
    "lose": "lost",
    "keep": "kept",
    "bring": "brought",
    "sleep": "slept",
}
_PAST_FORMS = frozenset(_IRREGULAR_PAST.values()) - {"read", "put"}
_IRREGULAR_PRESENT = {"have": "has", "do": "does", "go": "goes", "am": "is", "are": "is", "be": "is"}
_NOT_VERBS = (
    frozenset(
        [
            "a",
            "an",
            "the",
            "to",
            "of",
            "in",
            "on",
            "at",
            "for",
            "with",
            "and",
            "or",
            "but",
            "this",
            "that",
            "it",
            "so",
            "very",
            "not",
            "no",
            "too",
            "as",
            "by",
            "from",
        ]
    )
    | _ADVERBS
)
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
    (r"\bwhere's\b", "where is"),
    (r"\bhow's\b", "how is"),
    (r"\bwho's\b", "who is"),
    (r"\bdon't\b", "do not"),
    (r"\bdoesn't\b", "does not"),
    (r"\bdidn't\b", "did not"),
    (r"\bcan't\b", "cannot"),
    (r"\bwon't\b", "will not"),
    (r"\bisn't\b", "is not"),
    (r"\baren't\b", "are not"),
    (r"\bhaven't\b", "have not"),
    (r"\bwasn't\b", "was not"),
    (r"\bIm\b", "I am"),
    (r"\bdont\b", "do not"),
]
_WH = r"(what|which|where|when|why|how|who|whom|whose)"
_AUX = r"(do|does|did|can|could|would|will|should|is|are|was|were|have|has)"


def _expand(text: str) -> str:
    for pattern, repl in _CONTRACTIONS:
        text = re.sub(pattern, repl, text, flags=re.I)
    return text


def _third_person_verb(word: str) -> str:
    lower = word.lower()
    if lower in _IRREGULAR_PRESENT:
        return _IRREGULAR_PRESENT[lower]
    if lower in ("need", "feed", "seed", "speed", "bleed", "proceed", "succeed", "exceed", "bring", "sing"):
        return word + "s"
    if lower in _PAST_FORMS or lower in _MODALS or lower in _NOT_VERBS or not lower.isalpha():
        return word
    if lower.endswith(("ed", "ing")):
        return word
    if lower in ("was", "were"):
        return "was"
    if lower.endswith(("s", "sh", "ch", "x", "z", "o")):
        return word if lower.endswith("ss") is False and lower.endswith("s") else word + "es"
    if lower.endswith("y") and len(lower) > 2 and lower[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


_ADV_GROUP = "((?: (?:" + "|".join(sorted(_ADVERBS)) + "))*)"


def _agree_word(word: str, following: str) -> str:
    """The verb right after a subject that became a third-person name."""
    low = word.lower()
    if low in ("am", "are"):
        return "is"
    if low == "were":
        return "was"
    if low == "do" and following.lower().startswith(" not"):
        return "does"
    if low in _MODALS or low in ("was", "did", "had", "cannot") or "'" in low:
        return word
    return _third_person_verb(word)


_INVERTING = _MODALS | {"do", "does", "did", "am", "is", "are", "was", "were", "have", "has", "had"}
_CLAUSE_START = (
    r"(?:^|(?<=[.;:!?] )|(?<=, )"
    + "".join(
        rf"|(?<=\b{w} )"
        for w in [
            "that",
            "if",
            "when",
            "because",
            "while",
            "since",
            "as",
            "so",
            "and",
            "but",
            "until",
            "unless",
            "before",
            "after",
            "once",
            "whether",
            "like",
            "what",
            "how",
            "where",
            "why",
            "who",
            "which",
        ]
    )
    + ")"
)


def _replace_subject(text: str, pronoun: str, name: str, *, anywhere: bool) -> str:
    lead = r"\b" if anywhere else _CLAUSE_START
    pattern = re.compile(
        lead + pronoun + r"\b" + _ADV_GROUP + r" ([A-Za-z']+)(?=(.{0,4}))", re.I if not anywhere else 0
    )

    def repl(m: re.Match[str]) -> str:
        before = m.string[: m.start()].split()
        if before and before[-1].lower() in _INVERTING:  # "what can I do" keeps the bare verb
            return f"{name}{m.group(1)} {m.group(2)}"
        return f"{name}{m.group(1)} {_agree_word(m.group(2), m.group(3))}"

    return pattern.sub(repl, text)


def shift_pronouns(text: str, speaker: str, addressee: str) -> str:
    """First person becomes the speaker, second person the addressee; we/us/our become they/them/their."""
    text = _expand(text)
    # Subjects first (so the verb after them agrees), then objects and possessives.
    text = re.sub(r"\byou (?:all|guys|folks|people)\b|\by'all\b", "everyone", text, flags=re.I)
    text = _replace_subject(text, "I", speaker, anywhere=True)
    text = _replace_subject(text, "you", addressee, anywhere=False)
    text = re.sub(r"\bI\b", speaker, text)
    text = re.sub(r"(?<=\w) (?:myself|yourself)(?=[.,;!?]|$)", "", text, flags=re.I)  # emphatic reflexive
    text = re.sub(r"\b(me|myself)\b", speaker, text, flags=re.I)
    text = re.sub(r"\bmy\b", f"{speaker}'s", text, flags=re.I)
    text = re.sub(r"\bmine\b", f"{speaker}'s", text, flags=re.I)
    text = re.sub(r"\byour\b", f"{addressee}'s", text, flags=re.I)
    text = re.sub(r"\byours\b", f"{addressee}'s", text, flags=re.I)
    text = re.sub(r"\byourself\b", addressee, text, flags=re.I)
    text = re.sub(r"\byou\b", addressee, text, flags=re.I)
    text = re.sub(r"\bwe\b", "they", text, flags=re.I)
    text = re.sub(r"\bus\b", "them", text)
    text = re.sub(r"\bour\b", "their", text, flags=re.I)
    return text


_LOWER_OK = frozenset(
    [
        "a",
        "an",
        "the",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "they",
        "them",
        "their",
        "he",
        "she",
        "his",
        "her",
        "we",
        "our",
        "some",
        "any",
        "all",
        "no",
        "not",
        "one",
        "two",
        "what",
        "which",
        "who",
        "how",
        "when",
        "where",
        "why",
        "if",
        "so",
        "then",
        "maybe",
        "probably",
        "just",
        "also",
        "still",
        "only",
        "yes",
        "yeah",
        "sure",
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "have",
        "has",
        "had",
        "in",
        "on",
        "at",
        "for",
        "with",
        "to",
        "from",
        "of",
        "by",
        "about",
        "after",
        "before",
    ]
)


def _lower_first(text: str) -> str:
    """Lower-case the first word after "says" only when it is a common word (names and acronyms stay)."""
    head = text.split(" ", 1)[0]
    return (
        text[:1].lower() + text[1:]
        if head.lower() in _LOWER_OK and head[1:].islower() | (len(head) == 1)
        else text
    )


def _past(rest: str) -> str:
    """Past tense of the first word of ``rest`` (after "did"): "go to school" -> "went to school"."""
    head, _, tail = rest.partition(" ")
    low = head.lower()
    if not low.isalpha():
        return rest
    if low in _IRREGULAR_PAST:
        past = _IRREGULAR_PAST[low]
    elif low.endswith("e"):
        past = head + "d"
    elif low.endswith("y") and len(low) > 2 and low[-2] not in "aeiou":
        past = head[:-1] + "ied"
    else:
        past = head + "ed"
    return f"{past} {tail}".strip()


def _question(q: str, speaker: str, addressee: str) -> str:
    q = _expand(q.rstrip("?").strip())
    # Requests: "Can you send me the file" -> "asks B to send A the file".
    m = re.match(r"^(?:can|could|would|will) you (?:please )?(.+)$", q, re.I)
    if m:
        return f"{speaker} asks {addressee} to {shift_pronouns(m.group(1), speaker, addressee)}"
    m = re.match(r"^(?:how about|what about|why not|why do not (?:we|you)) (.+)$", q, re.I)
    if m:
        return f"{speaker} suggests {shift_pronouns(m.group(1), speaker, addressee)}"
    # Wh-questions with do-support: "What foods do you eat" -> "what foods B eats".
    m = re.match(rf"^{_WH}\b(.*?)\b(do|does|did) (I|you|we|they|he|she|it)\b ?(.*)$", q, re.I)
    if m:
        wh, mid, aux, subj, rest = m.groups()
        clause = shift_pronouns(
            f"{subj} {_past(rest) if aux.lower() == 'did' else rest}".strip(), speaker, addressee
        )
        return f"{speaker} asks {wh.lower()}{mid.rstrip()} {clause}".replace("  ", " ")
    # Yes/no questions: "Do you believe in UFOs" -> "asks whether B believes in UFOs".
    m = re.match(rf"^{_AUX} (I|you|we|they|he|she|it|there|this|that)\b ?(.*)$", q, re.I)
    if m:
        aux, subj, rest = m.groups()
        low = aux.lower()
        if low == "did":
            clause = shift_pronouns(f"{subj} {_past(rest)}", speaker, addressee)
        elif low in ("do", "does"):
            clause = shift_pronouns(f"{subj} {rest}", speaker, addressee)
        elif low in ("is", "are", "was", "were"):
            clause = shift_pronouns(f"{subj} {low} {rest}", speaker, addressee)
        else:
            clause = shift_pronouns(f"{subj} {low} {rest}", speaker, addressee)
        return f"{speaker} asks whether {clause}".strip()
    if re.match(rf"^{_WH}\b", q, re.I):
        return f"{speaker} asks {_lower_first(shift_pronouns(q, speaker, addressee))}"
    return f"{speaker} asks: {shift_pronouns(q, speaker, addressee)}?"


def third_person(sentence: str, speaker: str, addressee: str) -> str:
    """One sentence, reported: attributed to ``speaker`` with pronouns shifted; ends with a full stop."""
    cut = sentence.rstrip().endswith("…")
    s = sentence.strip().rstrip(".!… ").strip()
    if not s:
        return ""
    if s.endswith("?"):
        out = _question(s, speaker, addressee)
    else:
        s = _expand(s)
        m = re.match(r"^let us (?!see\b|say\b|hope\b)(.+)$", s, re.I)
        if m:
            out = f"{speaker} suggests they {shift_pronouns(m.group(1), speaker, addressee)}"
        elif re.match(r"^(?:I|I am|I have|I will|I would)\b", s):
            out = shift_pronouns(s, speaker, addressee)
        elif re.match(r"^you should\b", s, re.I) or re.match(r"^we (?:should|could|can|need)\b", s, re.I):
            out = f"{speaker} suggests {shift_pronouns(s, speaker, addressee)}"
        else:
            out = f"{speaker} says {_lower_first(shift_pronouns(s, speaker, addressee))}"
    out = re.sub(r"\s+", " ", out).strip().rstrip(",;:")
    if out.endswith("?"):
        return out
    if cut:
        return out + "…"
    return out[0].upper() + out[1:] + "." if not out[0].isupper() and not out.startswith("#") else out + "."

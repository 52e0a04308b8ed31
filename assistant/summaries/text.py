"""Light text handling for summaries: cleaning chat noise, splitting sentences, spotting questions.

Kept free of models and of Slack specifics so the same rules serve Slack threads and the DialogSum eval.
"""

from __future__ import annotations

import re
import unicodedata

from assistant.sentences import split_sentences
from assistant.stopwords import SUMMARY_STOP_WORDS

_PAREN_URL = re.compile(r"\s*\(<?https?://[^\s)]+>?\)")
_EMPHASIS = re.compile(r"(?<![\w*_~])([*_~])(?=\S)([^*_~\n]{1,200}?)(?<=\S)\1(?![\w*_~])")
_URL = re.compile(r"<?https?://[^\s>|]+(?:\|([^>]+))?>?")
_CODE_BLOCK = re.compile(r"```.*?```", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_BLOCKQUOTE = re.compile(r"^[ \t]*(?:>|&gt;)[ \t]?(.+)$", re.M)
_HELD = re.compile("\ue002(\\d+)\ue002")
#: Inline code longer than this is shortened to "(code)" like a block.
MAX_INLINE_CODE = 120
#: Spans a quote or a cut must keep whole: inline code and links.
_ATOMIC = re.compile(r"`[^`\n]+`|https?://\S+|\u201c[^\u201d]*\u201d")
_MENTION = re.compile(r"<@([^>|]+)(?:\|([^>]+))?>")
_SPACED_APOSTROPHE = re.compile(r"(\w) ' ?([A-Za-z]{1,2})\b")
_WS = re.compile(r"\s+")
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10))
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_EMOJI_CODE = re.compile(r":[a-z0-9_+\-]{2,40}:")
_LONE_I = re.compile(r"(?<![\w'])i(?=(?:'[a-z]+)?(?![\w]))")
_TRAILING_REF = re.compile(r"(?:\s*\((?:link|code)\))+\s*([.!?]?)\s*$")

#: Openers that carry no content ("Well, ...", "Oh ok so ..."). Interjections go with or without punctuation;
#: words that also start real clauses ("so far", "right now", "no one", "sure thing") only before , . ! : ; or -.
_INTERJECTION = (
    r"oh|ok|okay|hmm+|um+|uh+|ah+|hey|hi|hello|yeah|yes|yep|yup|lol|haha+|wow|whoa|oh my god|fyi|btw|"
    r"good (?:morning|afternoon|evening)"
)
_DISCOURSE = (
    r"well|so|right|sure|great|cool|alright|all right|actually|anyway|anyways|also|and|but|thanks|thank you|ty|"
    r"nice|i see|i mean|you know|no|sorry|excuse me|honey|dear|darling|lovely"
)
_FILLER = re.compile(
    rf"^(?:(?:(?:{_INTERJECTION})\b[\s,.!:;-]*|(?:{_DISCOURSE})\b\s*[,.!:;-][\s,.!:;-]*))+",
    re.I,
)
#: Sentences that are pure social glue and never worth a summary line.
_SMALL_TALK = re.compile(
    r"^(?:thanks?(?: you)?(?: so much| a lot)?|ty|np|no problem|you'?re welcome|ok(?:ay)?|sure|yes|no|yep|nope|"
    r"cool|great|nice|awesome|perfect|got it|i see|hmm+|lol|haha+|:[a-z_+-]+:|good (?:morning|night|luck)|"
    r"hi|hello|hey(?: there)?|bye|see you|cheers|exactly|right|indeed|makes sense|agreed|same|"
    r"how (?:are|r) (?:you|u)(?: doing)?(?: today| these days)?|how's it going|what's up|nice to meet you|"
    r"long time no see|good (?:afternoon|evening)|how do you do|can I help you|what can I do for you|"
    r"may I help you)[\s!.,:?)(-]*$",
    re.I,
)
_WORD = re.compile(r"[A-Za-z0-9#']+")
_STOP = SUMMARY_STOP_WORDS


#: Words too common to carry a topic (also: chat nicks that are such words are not taken for mentions).
STOPWORDS = _STOP


def clean_text(text: str) -> str:
    """Readable one-line text: control characters and emoji codes gone, code blocks shortened, odd spacing
    fixed. Inline code keeps its backticks and links keep their address, so a quoted line shows them intact."""
    text = unicodedata.normalize("NFC", text).translate(_CONTROL).translate(_QUOTES)
    text = _EMOJI_CODE.sub("", text)
    text = _CODE_BLOCK.sub(" (code) ", text)
    # A "> ..." line quotes someone else: its "I" is not the speaker's, so it stays marked as a quotation.
    text = _BLOCKQUOTE.sub(lambda m: f"\u201c{m.group(1).strip()}\u201d", text)
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:  # inline code is kept as written, away from the rules below
        if len(m.group(0)) > MAX_INLINE_CODE + 2:
            return " (code) "
        held.append(m.group(0))
        return f"\ue002{len(held) - 1}\ue002"

    text = _INLINE_CODE.sub(hold, text)
    text = _URL.sub(_link, text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = _SPACED_APOSTROPHE.sub(lambda m: f"{m.group(1)}'{m.group(2).lower()}", text)
    text = _LONE_I.sub("I", text)  # chat's lower-case "i", "i'm"
    text = re.sub(r"\bI m\b", "I'm", text)
    text = _HELD.sub(lambda m: held[int(m.group(1))], text)
    return _WS.sub(" ", text).strip()


def _link(m: re.Match[str]) -> str:
    """``<url|label>`` -> "label (url)"; a bare or bracketed address stays as it is."""
    address = m.group(0).split("|")[0].strip("<>")
    return f"{m.group(1)} ({address})" if m.group(1) else address


_LEADING_SYMBOLS = re.compile(r"^[^\w#@\"'(`\u201c]+")


def strip_filler(sentence: str) -> str:
    stripped = _FILLER.sub("", _LEADING_SYMBOLS.sub("", sentence)).strip()
    if not stripped:
        return ""
    return stripped[0].upper() + stripped[1:]


def is_small_talk(text: str) -> bool:
    """Whether every sentence of ``text`` is social glue (greetings, thanks, "ok") or has no content words."""
    sentences = split_sentences(text) or [text]
    return all(
        bool(_SMALL_TALK.match(s.strip()))
        or bool(_SMALL_TALK.match(_FILLER.sub("", s).strip()))
        or len(content_words(s)) == 0
        for s in sentences
    )


def is_question(sentence: str) -> bool:
    s = sentence.strip()
    if s.endswith("?"):
        return True
    return bool(
        re.match(
            r"^(?:does|do|is|are|can|could|would|will|should|has|have|how|what|why|where|when|which|who|"
            r"anyone|anybody|any idea|is there)\b.{8,}",
            s,
            re.I,
        )
    ) and not s.endswith(".")


_ADDRESS = re.compile(r"https?://\S+")


def words(text: str) -> list[str]:
    """Lower-case words; web addresses are not words."""
    return [w.lower() for w in _WORD.findall(_ADDRESS.sub(" ", text))]


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in _STOP and len(w) > 1}


def strip_trailing_refs(sentence: str) -> str:
    """ "How do I match this? (link)" -> "How do I match this?": a trailing link or code marker says nothing."""
    return _TRAILING_REF.sub(lambda m: m.group(1), sentence).strip()


def _protect(text: str) -> str:
    """Spaces inside inline code and links become a private-use mark, so word counts never split them."""
    return _ATOMIC.sub(lambda m: m.group(0).replace(" ", "\ue000"), text)


def truncate_words(text: str, limit: int) -> str:
    """At most ``limit`` words, cut at a clause boundary (comma, semicolon, dash) when one is in the second
    half, else mid-clause with an ellipsis; inline code and links are never cut."""
    parts = _protect(text).split()
    if len(parts) <= limit:
        return text
    for end in range(limit, limit // 2, -1):
        if parts[end - 1].endswith((",", ";", ":")) or (end < len(parts) and parts[end] in ("-", "–", "—")):
            return " ".join(parts[:end]).rstrip(",;:-–—").replace("\ue000", " ") + "…"
    return " ".join(parts[:limit]).rstrip(",;:-").replace("\ue000", " ") + "…"

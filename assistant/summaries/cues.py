"""Decisions, action items and open questions, found from wording cues and who replied to what.

Cue lists are small and explicit on purpose: a member reading "decision" in a summary must be able to find
the words that made it one in the cited message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.summaries.conversation import Conversation
from assistant.summaries.text import content_words, is_question, is_small_talk, split_sentences, strip_filler

_DECISION = re.compile(
    r"(?:\bdecision(?: made)?\s*[:\-]|\bdecision made\b|"
    r"\b(?:(?:we(?:'ve| have)?|it's|it is|has been|have) (?:decided|agreed)|"
    r"decided to|decided on|let'?s go with|let us go with|we(?:'ll| will) go with|going with|settled on|"
    r"final(?:ly)? (?:call|answer|decision)|consensus(?: is)?|approved|we(?:'re| are) going with|"
    r"the plan is)\b|\bagreed[:,])",
    re.I,
)
_ACTION_LABEL = re.compile(r"\b(?:action items?|todo|to-do|next steps?)\s*[:\-]\s*", re.I)
_COMMIT_FIRST = re.compile(
    r"^(?:I(?:'ll| will| am going to|'m going to| shall)|will (?!you\b)|on it\b|I can (?:take|do|handle|send|write|"
    r"fix|make|book|update|open|prepare|redo|bring|look into|check)\b)",
    re.I,
)
_COMMIT_OTHER = re.compile(
    r"^@?([\w.\-À-ɏ]+) (?:will|is going to|to|can you|could you|please|sends|logs|books|owns|takes)\b", re.I
)
_REQUEST = re.compile(r"^@([\w.\-À-ɏ]+),? (?:can you|could you|would you|please)\b(.*)$", re.I)
_DEADLINE = re.compile(
    r"\bby (?:the )?(?:end of (?:the )?(?:day|week|month)|tomorrow|tonight|today|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|next week|\d{1,2}(?:st|nd|rd|th)? \w+|\w+ \d{1,2})\b",
    re.I,
)
_THANKS = re.compile(r"\b(?:thanks|thank you|thx|ty|that worked|works now|solved|fixed it)\b", re.I)


@dataclass(frozen=True)
class Cue:
    index: int
    text: str
    owner: str | None = None


def decisions(conv: Conversation) -> list[Cue]:
    out: list[Cue] = []
    for i, turn in enumerate(conv.turns):
        for sentence in split_sentences(turn.text):
            if is_question(sentence):
                continue
            if _DECISION.search(sentence):
                text = _ACTION_LABEL.split(sentence)[0].strip()
                text = re.sub(r"^decision(?: made)?\s*[:\-]\s*", "", text, flags=re.I).strip()
                if text and not is_small_talk(text):
                    out.append(Cue(i, text[0].upper() + text[1:]))
                    break
    return out


def _split_actions(text: str) -> list[str]:
    parts = re.split(r",\s*(?:and\s+)?|;\s*|\s+and\s+(?=@|I\b|I'll)", text)
    return [p.strip().rstrip(".") for p in parts if p.strip()]


def _owner_by_name(name: str, conv: Conversation, reverse: Mapping[str, str]) -> str | None:
    key = name.lower().strip("@,.:")
    if key in reverse:
        return reverse[key]
    for uid, label in conv.names.items():
        if label.lower() == key or label.lower().split(" ")[0] == key:
            return uid
    return None


def action_items(conv: Conversation, reverse_names: Mapping[str, str] | None = None) -> list[Cue]:
    """Commitments ("I'll ...", "@maya will ...", "Action items: ...") and direct requests, with owners."""
    reverse = {k.lower(): v for k, v in (reverse_names or {}).items()}
    out: list[Cue] = []
    for i, turn in enumerate(conv.turns):
        for sentence in split_sentences(turn.text):
            if is_question(sentence) and not _REQUEST.match(sentence):
                continue
            labelled = _ACTION_LABEL.search(sentence)
            body = sentence[labelled.end() :] if labelled else strip_filler(sentence)
            clauses = _split_actions(body) if labelled or "," in body else [body.rstrip(".")]
            for clause in clauses:
                request = _REQUEST.match(clause)
                first = _COMMIT_FIRST.match(clause)
                other = _COMMIT_OTHER.match(clause)
                if request:
                    owner = _owner_by_name(request.group(1), conv, reverse)
                    out.append(Cue(i, clause, owner))
                elif first and (labelled or _looks_like_task(clause)):
                    out.append(Cue(i, clause, turn.user))
                elif other and (labelled or clause.startswith("@")):
                    owner = _owner_by_name(other.group(1), conv, reverse)
                    if owner or labelled:
                        out.append(Cue(i, clause, owner))
    return out


def is_request(text: str) -> bool:
    return bool(_REQUEST.match(text))


def _looks_like_task(clause: str) -> bool:
    """A first-person future that is a task ("I'll update the doc"), not small talk ("I'll try", "will do")."""
    rest = _COMMIT_FIRST.sub("", clause).strip()
    return len(rest.split()) >= 2 or bool(_DEADLINE.search(clause))


def open_questions(
    conv: Conversation, *, window: int = 8, related: float = 0.2, next_reply: float = 0.1
) -> list[Cue]:
    """Questions no one else answered: no later message from another person that plausibly answers it."""
    out: list[Cue] = []
    n = len(conv)
    for i, turn in enumerate(conv.turns):
        questions = [
            s for s in split_sentences(turn.text) if is_question(s) and len(content_words(strip_filler(s))) >= 3
        ]
        if not questions:
            continue
        if i == 0 and any(t.user != turn.user for t in conv.turns[1:]):
            continue  # a thread's replies answer its opening question
        if _answered(conv, i, window=window, related=related, next_reply=next_reply):
            continue
        if n > i + 1 and any(
            conv.turns[j].user == turn.user and _THANKS.search(conv.turns[j].text) for j in range(i + 1, n)
        ):
            continue
        out.append(Cue(i, questions[-1]))
    return out


def _answered(conv: Conversation, i: int, *, window: int, related: float, next_reply: float) -> bool:
    asker = conv.turns[i].user
    seen_other = False
    for j in range(i + 1, min(len(conv), i + 1 + window)):
        if conv.turns[j].user == asker:
            continue
        similarity = float(conv.vectors[i] @ conv.vectors[j])
        if not seen_other and similarity >= next_reply:
            return True
        if similarity >= related:
            return True
        seen_other = True
    return False

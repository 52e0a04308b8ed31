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


_PRONOUN = re.compile(r"(?<![\w'@#-])(?:I|me|my|you|your|we|us|our)(?![\w'-])", re.I)


def has_pronoun(text: str) -> bool:
    """Whether ``text`` says I, you or we in any form (so it cannot be shown without quotes)."""
    return bool(_PRONOUN.search(text))


def is_request(text: str) -> bool:
    return bool(_REQUEST.match(text))


def _looks_like_task(clause: str) -> bool:
    """A first-person future that is a task ("I'll update the doc"), not small talk ("I'll try", "will do")."""
    rest = _COMMIT_FIRST.sub("", clause).strip()
    return len(rest.split()) >= 2 or bool(_DEADLINE.search(clause))


#: The asker saying a reply helped: thanks, or that it works now.
CONFIRM = re.compile(
    r"\b(?:thanks|thank you|thank u|thx|ty|tysm|cheers|appreciated|that worked|that works|it works|works now|"
    r"(?:it |that )?worked|got it (?:to work|working)|solved|fixed it|that did it|that's it|perfect|amazing|"
    r"awesome|brilliant|exactly what I (?:needed|was looking for))\b",
    re.I,
)
#: ... unless the same message says it did not help.
NEGATIVE = re.compile(
    r"\b(?:didn'?t|doesn'?t|does not|did not|not work(?:ing)?|still (?:get|have|broken|fail|not)|error|fails?|"
    r"failed|broken|same (?:problem|issue|error)|no luck|not possible|isn'?t possible|can'?t|cannot)\b",
    re.I,
)
_THANKS = re.compile(r"\b(?:thanks|thank you|thank u|thx|ty|tysm|cheers|appreciated)\b", re.I)


def is_thanks(text: str) -> bool:
    return bool(_THANKS.search(text))


def is_confirmation(text: str) -> bool:
    """Thanks or "that works", with nothing in the same message saying it did not help."""
    return bool(CONFIRM.search(text)) and not NEGATIVE.search(text)


def question_sentences(text: str) -> list[str]:
    """The questions of a message worth listing: a question with at least two content words."""
    return [s for s in split_sentences(text) if is_question(s) and len(content_words(strip_filler(s))) >= 2]


def run_end(conv: Conversation, i: int) -> int:
    """The last turn of the run of consecutive turns by the author of turn ``i`` that starts at ``i``."""
    j = i
    while j + 1 < len(conv) and conv.turns[j + 1].user == conv.turns[i].user:
        j += 1
    return j


def answered(conv: Conversation, i: int) -> bool:
    """Whether the question in turn ``i`` got a reply addressing it, from the thread's structure:

    - the opening messages of a thread are answered by any reply from someone else;
    - the asker later thanks someone or says it works;
    - a later message from someone else mentions the asker;
    - the first message after the asker's run of messages that mentions no one else (messages said to someone
      else are passed over) comes from someone else and, when the question mentioned someone, from them.
    """
    turns = conv.turns
    asker = turns[i].user
    if conv.threaded and all(t.user == asker for t in turns[: i + 1]) and any(t.user != asker for t in turns):
        return True
    if any(t.user == asker and CONFIRM.search(t.text) for t in turns[i + 1 :]):
        return True
    end = run_end(conv, i)
    for k in range(end + 1, len(turns)):
        if turns[k].user != asker and asker in turns[k].mentions:
            return True
    addressed = {u for u in turns[i].mentions if u != asker}
    for k in range(end + 1, len(turns)):
        reply = turns[k]
        if reply.user == asker:
            break
        if any(u != reply.user for u in reply.mentions):
            continue  # said to someone else: not a reply to this question
        return not addressed or reply.user in addressed
    return False


def open_questions(conv: Conversation) -> list[Cue]:
    """Questions nobody answered (``answered``), one per message: its last question."""
    out: list[Cue] = []
    for i, turn in enumerate(conv.turns):
        questions = question_sentences(turn.text)
        if questions and not answered(conv, i):
            out.append(Cue(i, questions[-1]))
    return out

"""The LLM path: a chat model rewrites the locally selected messages into a fluent summary, then every
sentence is checked against the message it cites; one unsupported sentence and the local summary is kept.

The model sees only the messages the local summariser selected (numbered, quoted as inert data by
``assistant.grounding``, the same quoting and citation rules as Q&A), so both paths rest on the same evidence,
and a line without a citation, or whose words and meaning are not in the cited message, is treated as invented.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.domain import Summary, SummaryPoint
from assistant.encoder import Encoder
from assistant.grounding import citations, number_messages, strip_citations, unknown_citations
from assistant.prompts import render_prompt
from assistant.summaries.conversation import Conversation
from assistant.summaries.text import content_words, split_sentences, truncate_words

logger = logging.getLogger(__name__)

_LINE = re.compile(r"^\s*[-*]?\s*(GIST|POINT|DECISION|QUESTION|ACTION)\s*:\s*(.+?)\s*$", re.I)
#: Reporting words an honest paraphrase may add without them being in the cited message.
_REPORTING = frozenset(
    [
        "asks",
        "asked",
        "says",
        "said",
        "suggests",
        "suggested",
        "proposes",
        "proposed",
        "agrees",
        "agreed",
        "decides",
        "decided",
        "explains",
        "explained",
        "mentions",
        "mentioned",
        "notes",
        "noted",
        "thinks",
        "thought",
        "wants",
        "wanted",
        "wonders",
        "wondered",
        "replies",
        "replied",
        "answers",
        "answered",
        "points",
        "pointed",
        "confirms",
        "confirmed",
        "reports",
        "reported",
        "shares",
        "shared",
        "discuss",
        "discusses",
        "discussed",
        "talk",
        "talks",
        "conversation",
        "thread",
        "question",
        "questions",
        "decision",
        "decisions",
        "team",
        "group",
        "members",
        "member",
        "someone",
        "everyone",
        "will",
        "would",
        "should",
        "could",
        "they",
        "them",
        "their",
        "whether",
        "about",
    ]
)
MAX_PROMPT_MESSAGES = 30
MAX_MESSAGE_WORDS = 120


@dataclass(frozen=True)
class LlmLine:
    kind: str
    text: str
    cited: tuple[int, ...]


class UnsupportedSummary(Exception):
    """The model's summary had a line that its cited messages do not support."""


def parse_lines(reply: str) -> list[LlmLine]:
    lines: list[LlmLine] = []
    for raw in reply.splitlines():
        m = _LINE.match(raw)
        if not m:
            continue
        body = m.group(2)
        cited = tuple(citations(body))
        text = strip_citations(body).strip()
        text = re.sub(r"\s+([.,;!?])", r"\1", text)
        lines.append(LlmLine(kind=m.group(1).upper(), text=text, cited=cited))
    return lines


@lru_cache(maxsize=1)
def _stemmer() -> Callable[[str], str]:
    """NLTK's English Snowball stemmer (no data download needed), loaded on first use: importing nltk takes a
    second, and only the LLM path needs it."""
    from nltk.stem.snowball import SnowballStemmer

    return lru_cache(maxsize=8192)(SnowballStemmer("english").stem)


def _stem(word: str) -> str:
    return _stemmer()(word)


class LlmSummarizer:
    """Writes a summary with a LangChain chat model from the same selected messages, checked sentence by
    sentence (cosine similarity with the cited message and share of content words found there)."""

    method = "llm"

    def __init__(
        self,
        chat_model: BaseChatModel,
        encoder: Encoder,
        *,
        min_similarity: float = 0.45,
        min_overlap: float = 0.5,
    ) -> None:
        self.chat_model = chat_model
        self.encoder = encoder
        self.min_similarity = min_similarity
        self.min_overlap = min_overlap

    def selected(self, conv: Conversation, local: Summary) -> list[int]:
        """The turns the local summary relies on (and the opening one), in time order, at most 30."""
        wanted = {local.first_ts} | set(local.gist_sources)
        for group in (local.decisions, local.action_items, local.open_questions, local.key_points):
            for point in group:
                wanted.update(point.sources or [point.ts])
        index = [i for i, t in enumerate(conv.turns) if t.ts in wanted]
        return index[:MAX_PROMPT_MESSAGES]

    def summarize(self, conv: Conversation, local: Summary, *, channel_name: str) -> Summary:
        """The LLM summary, or raises ``UnsupportedSummary`` saying which sentence failed and why."""
        chosen = self.selected(conv, local)
        numbered = number_messages(  # quoted as data: a message cannot close the <messages> block
            (
                {
                    "author": conv.name(conv.turns[i].user),
                    "text": truncate_words(conv.turns[i].text, MAX_MESSAGE_WORDS),
                }
                for i in chosen
            ),
            quoted=("author", "text"),
        )
        names = [conv.name(u) for u in conv.participants()]
        prompt = render_prompt(
            "summary_thread",
            channel=channel_name,
            participants=", ".join(names[:12]) + (" and others" if len(names) > 12 else ""),
            total=len(conv),
            shown=len(chosen),
            messages=numbered,
        )
        reply = self.chat_model.invoke(
            [SystemMessage(content=render_prompt("summary_system")), HumanMessage(content=prompt)]
        )
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        lines = parse_lines(text)
        if not any(line.kind == "GIST" for line in lines):
            raise UnsupportedSummary("the model's answer had no GIST line")
        self._check(lines, conv, chosen, names)
        return self._build(lines, conv, chosen, local)

    # Support check --------------------------------------------------------------------------------------------
    def _check(
        self, lines: Sequence[LlmLine], conv: Conversation, chosen: Sequence[int], names: Sequence[str]
    ) -> None:
        sentences: list[tuple[str, list[int]]] = []
        for line in lines:
            if not line.cited:
                raise UnsupportedSummary(f"the line {line.text!r} cites no message")
            bad = unknown_citations(line.cited, len(chosen))
            if bad:
                raise UnsupportedSummary(f"the line {line.text!r} cites message [{bad[0]}], which was not given")
            targets = [chosen[n - 1] for n in line.cited]
            text = line.text.split("|", 1)[1] if line.kind == "ACTION" and "|" in line.text else line.text
            for sentence in split_sentences(text) or [text]:
                sentences.append((sentence, targets))
        if not sentences:
            return
        vectors = self.encoder.encode([s for s, _ in sentences]).vectors
        name_words = {w for name in names for w in content_words(name)}
        for (sentence, targets), vec in zip(sentences, vectors, strict=True):
            similarity = max(float(np.dot(vec, conv.vectors[i])) for i in targets)
            source_words = {_stem(w) for i in targets for w in content_words(conv.turns[i].text)}
            words = content_words(sentence) - _REPORTING - name_words
            found = sum(1 for w in words if _stem(w) in source_words)
            overlap = found / len(words) if words else 1.0
            if similarity < self.min_similarity or overlap < self.min_overlap:
                raise UnsupportedSummary(
                    f"the sentence {sentence!r} is not supported by its cited message "
                    f"(similarity {similarity:.2f}, words found {overlap:.0%})"
                )

    # Building -------------------------------------------------------------------------------------------------
    def _build(
        self, lines: Sequence[LlmLine], conv: Conversation, chosen: Sequence[int], local: Summary
    ) -> Summary:
        reverse = {conv.name(u).lower(): u for u in conv.participants()}

        def point(line: LlmLine) -> SummaryPoint:
            sources = [conv.turns[chosen[n - 1]].ts for n in line.cited]
            first = conv.turns[chosen[line.cited[0] - 1]]
            text: str = line.text
            user: str | None = first.user
            if line.kind == "ACTION" and "|" in line.text:
                owner, _, what = line.text.partition("|")
                user = reverse.get(owner.strip().lstrip("@").lower())
                text = f"{owner.strip()}: {what.strip()}"
            return SummaryPoint(text=text, ts=first.ts, user=user, sources=sources)

        gist_lines = [line for line in lines if line.kind == "GIST"]
        by_kind: dict[str, list[SummaryPoint]] = {"POINT": [], "DECISION": [], "QUESTION": [], "ACTION": []}
        for line in lines:
            if line.kind in by_kind:
                by_kind[line.kind].append(point(line))
        return local.model_copy(
            update={
                "gist": " ".join(g.text for g in gist_lines),
                "gist_sources": list(
                    dict.fromkeys(conv.turns[chosen[n - 1]].ts for g in gist_lines for n in g.cited)
                ),
                "key_points": by_kind["POINT"],
                "decisions": by_kind["DECISION"],
                "open_questions": by_kind["QUESTION"],
                "action_items": by_kind["ACTION"],
                "method": self.method,
            }
        )

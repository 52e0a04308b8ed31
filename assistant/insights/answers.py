"""``QAService``: answers managers' questions from the community's own messages, with numbers and citations.

One service for ``assistant ask`` and Slack ``/ask``. The question is parsed (intent, channels, time, author),
and the intent's handler (``assistant.insights.intents``) computes facts with the insight functions and
retrieves messages (``assistant.insights.retrieval``: Chroma with metadata filters fused with BM25), all
restricted to the channels the asker may see. Without an LLM the answer is composed from those facts with
templates in ``prompts/answer_<intent>.md``. With an LLM the same facts and numbered messages go into
``prompts/qa_system.md``/``qa_user.md``; message text is quoted as data between delimiters, and every sentence
of the reply must cite ``[n]`` — uncited sentences are dropped (``assistant.grounding``), and the template
answer is used when nothing cited remains. Text inside messages is never treated as an instruction on either
path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from assistant.grounding import keep_cited, number_messages, quote, without_text
from assistant.insights.intents import Draft, handler
from assistant.insights.intents.base import QuestionFacts, WindowFact, targets
from assistant.insights.models import Answer
from assistant.insights.questions import IntentClassifier, parse_question
from assistant.insights.retrieval import SEARCH_K, SEARCH_MIN_SIMILARITY
from assistant.insights.service import InsightsService
from assistant.lazy import provided
from assistant.prompts import render_prompt

if TYPE_CHECKING:  # Chroma, LangChain and scikit-learn are imported only by the answers that use them
    from langchain_core.language_models.chat_models import BaseChatModel

    from assistant.store.index import Index

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
#: How much of the facts' JSON the LLM sees.
MAX_FACTS_CHARS = 12000


class QAService:
    def __init__(
        self, insights: InsightsService, index: Index | Callable[[], Index], llm: BaseChatModel | None = None
    ) -> None:
        self.insights = insights
        # The index, or how to get it: answers from metrics (activity, mood, quiet...) never load it.
        self._index_source = index
        self.llm = llm
        self.classifier = IntentClassifier(lambda: self.index.encoder)

    @cached_property
    def index(self) -> Index:
        return provided(self._index_source)

    def ask(
        self,
        question: str,
        channel: str | None = None,
        visible_channel_ids: set[str] | None = None,
        at: datetime | None = None,
    ) -> Answer:
        question = " ".join(question.split())
        if not question:
            return Answer(answer="Ask a question, for example: what does #design want?", facts={"intent": "none"})
        question = question[:MAX_QUESTION_CHARS]
        snap = self.insights.snapshot(visible_channel_ids)
        now = snap.now(at)
        parsed = parse_question(question, snap, now, self.classifier)
        if channel:
            parsed.channel_ids = [self.insights.channel_id(snap, channel)]
            parsed.all_channels = False
        draft = handler(parsed.intent)(self, parsed, snap, now)
        asked = QuestionFacts(
            intent=parsed.intent,
            question=question,
            now=now.isoformat(),
            channels=[snap.channel_name(c) for c in targets(parsed, snap)],
            window=WindowFact.of(parsed.window),
            author=snap.member_name(parsed.author_id) if parsed.author_id else None,
        )
        facts = {**draft.facts.dump(), **asked.dump()}
        template_answer = render_prompt(f"answer_{parsed.intent}", f=facts, question=question)
        if self.llm is not None and draft.citations:
            written = self._llm_answer(question, draft, facts)
            if written is not None:
                text, used = written
                return Answer(
                    answer=text, citations=[draft.citations[i - 1] for i in used], facts={**facts, "method": "llm"}
                )
        return Answer(answer=template_answer, citations=draft.citations, facts={**facts, "method": "template"})

    def _llm_answer(self, question: str, draft: Draft, facts: dict[str, Any]) -> tuple[str, list[int]] | None:
        from langchain_core.messages import HumanMessage, SystemMessage

        assert self.llm is not None
        numbered = number_messages(
            ({"channel": c.channel, "ts": c.ts, "user": c.user or "", "text": c.text} for c in draft.citations),
            quoted=("user", "text"),
        )
        shown = {k: v for k, v in facts.items() if k != "question"}
        facts_json = json.dumps(without_text(shown), ensure_ascii=False, default=str)[:MAX_FACTS_CHARS]
        messages = [
            SystemMessage(content=render_prompt("qa_system")),
            HumanMessage(
                content=render_prompt(
                    "qa_user", question=quote(question), facts_json=quote(facts_json), messages=numbered
                )
            ),
        ]
        try:
            reply = self.llm.invoke(messages)
        except Exception as exc:  # any provider failure falls back to the template answer
            logger.warning("LLM answer failed, using the template answer: %s", exc)
            return None
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        return keep_cited(text, len(draft.citations))


__all__ = ["SEARCH_K", "SEARCH_MIN_SIMILARITY", "Answer", "QAService", "keep_cited"]

"""``QAService``: answers managers' questions from the community's own messages, with numbers and citations.

One service for ``assistant ask`` and Slack ``/ask``. The question is parsed (intent, channels, time, author),
facts are computed by the insight functions and messages retrieved from Chroma with metadata filters, all
restricted to the channels the asker may see. Without an LLM the answer is composed from those facts with
templates in ``prompts/answer_<intent>.md``. With an LLM the same facts and numbered messages go into
``prompts/qa_system.md``/``qa_user.md``; message text is quoted as data between delimiters, and every sentence
of the reply must cite ``[n]`` — uncited sentences are dropped, and the template answer is used when nothing
cited remains. Text inside messages is never treated as an instruction on either path.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from assistant.domain import Citation, Message
from assistant.insights import members as members_mod
from assistant.insights.data import Snapshot
from assistant.insights.metrics import compute_metrics, mix_of, sentiment_mix, window_stats
from assistant.insights.models import Answer
from assistant.insights.periods import Window, to_date
from assistant.insights.questions import IntentClassifier, ParsedQuestion, parse_question
from assistant.insights.service import InsightsService
from assistant.lazy import provided
from assistant.prompts import render_prompt

if TYPE_CHECKING:  # Chroma, LangChain and scikit-learn are imported only by the answers that use them
    from langchain_core.language_models.chat_models import BaseChatModel

    from assistant.store.index import Index

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
SEARCH_K = 8
SEARCH_MIN_SIMILARITY = 0.25
_CITE = re.compile(r"\[(\d{1,3})\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'#*(•-])|\n+")


@dataclass
class _Draft:
    """Facts and the messages behind them, gathered before any wording."""

    intent: str
    facts: dict[str, Any]
    citations: list[Citation] = field(default_factory=list)
    keys: dict[tuple[str, str], int] = field(default_factory=dict)

    def cite(self, snap: Snapshot, m: Message) -> int:
        key = (m.channel_id, m.ts)
        if key not in self.keys:
            self.citations.append(snap.cite(m))
            self.keys[key] = len(self.citations)
        return self.keys[key]

    def cite_existing(self, c: Citation, channel_id: str) -> int:
        key = (channel_id, c.ts)
        if key not in self.keys:
            self.citations.append(c)
            self.keys[key] = len(self.citations)
        return self.keys[key]


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

    # Public -----------------------------------------------------------------------------------------------------
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
        draft = self._draft(parsed, snap, now)
        draft.facts.update(
            {
                "intent": parsed.intent,
                "question": question,
                "now": now.isoformat(),
                "channels": [snap.channel_name(c) for c in self._targets(parsed, snap)],
                "window": _window_fact(parsed.window),
            }
        )
        if parsed.author_id:
            draft.facts["author"] = snap.member_name(parsed.author_id)
        template_answer = render_prompt(f"answer_{parsed.intent}", f=draft.facts, question=question)
        if self.llm is not None and draft.citations:
            written = self._llm_answer(question, draft)
            if written is not None:
                text, used = written
                return Answer(
                    answer=text,
                    citations=[draft.citations[i - 1] for i in used],
                    facts={**draft.facts, "method": "llm"},
                )
        return Answer(
            answer=template_answer, citations=draft.citations, facts={**draft.facts, "method": "template"}
        )

    # Facts per intent -------------------------------------------------------------------------------------------
    def _targets(self, parsed: ParsedQuestion, snap: Snapshot) -> list[str]:
        if parsed.channel_ids:
            return parsed.channel_ids
        return sorted((c for c in snap.channels if snap.has_messages(c)), key=snap.channel_name)

    def _draft(self, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> _Draft:
        handler = {
            "wants": self._wants,
            "mood": self._mood,
            "activity": self._activity,
            "quiet": self._quiet,
            "newcomers": self._newcomers,
            "contributors": self._contributors,
            "twins": self._twins,
            "topics": self._topics,
            "guidelines": self._guidelines,
            "search": self._search,
        }[parsed.intent]
        return handler(parsed, snap, now)

    def _wants(self, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> _Draft:
        from assistant.insights.wants import channel_wants, solicited_for

        draft = _Draft("wants", {"per_channel": []})
        for cid in self._targets(parsed, snap):
            solicited = solicited_for(self.insights, cid)  # survey answers: wants the channel was asked for
            cw = channel_wants(
                snap,
                cid,
                self.insights.vectors,
                threshold=self.insights.want_threshold,
                at=now,
                solicited=solicited,
            )
            if parsed.window is not None:
                cw.themes = [t for t in cw.themes if t.last >= parsed.window.start]
            if not cw.wants and not parsed.channel_ids:
                continue
            themes = []
            for t in cw.themes:
                refs = [draft.cite_existing(c, cid) for c in t.representatives]
                themes.append(
                    {
                        "label": t.label,
                        "size": t.size,
                        "distinct_members": t.distinct_members,
                        "members": t.member_names,
                        "member_ids": t.members,
                        "trend": t.trend,
                        "ts": t.ts,
                        "solicited": t.solicited,
                        "refs": refs,
                    }
                )
            one_offs = [{"text": c.text, "ts": c.ts, "ref": draft.cite_existing(c, cid)} for c in cw.one_offs[:3]]
            draft.facts["per_channel"].append(
                {
                    "channel": cw.channel_name,
                    "wants": cw.wants,
                    "solicited": cw.solicited,
                    "themes": themes,
                    "one_offs": one_offs,
                    "one_off_count": len(cw.one_offs),
                }
            )
        return draft

    def _mood(self, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> _Draft:
        window = parsed.window or to_date("month", now)
        draft = _Draft("mood", {"per_channel": []})
        for cid in self._targets(parsed, snap):
            if snap.aggregates is not None:
                self._mood_from_aggregates(draft, parsed, snap, cid, window)
                continue
            msgs = snap.in_window(window.start, window.end, cid)
            if parsed.author_id:
                msgs = [m for m in msgs if m.user_id == parsed.author_id]
            if not msgs and not parsed.channel_ids:
                continue
            mix = sentiment_mix(snap, msgs)
            judged = [(m, j) for m in msgs if (j := snap.judgment(m)) is not None]
            refs = []
            for label in ("positive", "negative"):
                pool = [
                    (m, j.sentiment.probs.get(label, 0.0)) for m, j in judged if j.sentiment.mood_label == label
                ]
                if pool:
                    best = max(pool, key=lambda p: (p[1], float(p[0].ts)))[0]
                    refs.append({"label": label, "ref": draft.cite(snap, best)})
            draft.facts["per_channel"].append(
                {"channel": snap.channel_name(cid), "messages": len(msgs), **mix.model_dump(), "examples": refs}
            )
        draft.facts["window_label"] = window.label
        draft.facts["window_kind"] = window.kind
        return draft

    def _mood_from_aggregates(
        self, draft: _Draft, parsed: ParsedQuestion, snap: Snapshot, cid: str, window: Window
    ) -> None:
        """One channel's mood from the day aggregates; its examples are the window's most surely positive and
        negative messages, found by SQL (one row each)."""
        assert snap.aggregates is not None
        stats = window_stats(snap, cid, window, parsed.author_id)
        if not stats.messages and not parsed.channel_ids:
            return
        mix = mix_of(stats.positive, stats.neutral, stats.negative)
        refs = []
        for label in ("positive", "negative"):
            ts = snap.aggregates.best(
                cid,
                window.start.timestamp(),
                window.end.timestamp(),
                order="mood",
                mood=label,
                user_id=parsed.author_id,
            )
            found = snap.find(cid, ts)
            if found is not None:
                refs.append({"label": label, "ref": draft.cite(snap, found)})
        draft.facts["per_channel"].append(
            {"channel": snap.channel_name(cid), "messages": stats.messages, **mix.model_dump(), "examples": refs}
        )

    def _busiest(self, snap: Snapshot, cid: str, start: datetime, end: datetime) -> Message | None:
        if snap.aggregates is not None:
            ts = snap.aggregates.best(cid, start.timestamp(), end.timestamp(), order="busiest")
            return snap.find(cid, ts)
        return max(
            (m for m in snap.in_window(start, end, cid) if not m.is_reply),
            key=lambda m: (snap.thread_replies.get((m.channel_id, m.ts), 0) + m.reaction_count, float(m.ts)),
            default=None,
        )

    def _activity(self, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> _Draft:
        """Metrics over exactly the window asked for ("the past 10 days" = 240 h up to now), this week by default;
        trends against that window's ``previous()``, named by its ``comparison``."""
        window = parsed.window or to_date("week", now)
        draft = _Draft(
            "activity",
            {
                "per_channel": [],
                "window_label": window.label,
                "window_kind": window.kind,
                "comparison_label": window.comparison,
            },
        )
        targets = self._targets(parsed, snap)
        for cid in targets:
            met = compute_metrics(snap, cid, window)
            if not met.messages and not parsed.channel_ids:
                continue
            busiest = self._busiest(snap, cid, met.start, met.end)
            row = met.model_dump(mode="json", exclude={"previous"})
            row["busiest_ref"] = draft.cite(snap, busiest) if busiest is not None else None
            draft.facts["per_channel"].append(row)
        if len(targets) > 1:
            draft.facts["workspace"] = compute_metrics(snap, None, window).model_dump(
                mode="json", exclude={"previous"}
            )
        return draft

    def _quiet(self, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> _Draft:
        scoped = snap.restrict(parsed.channel_ids) if parsed.channel_ids else snap
        quiet = members_mod.quiet_members(scoped, at=now, quiet_weeks=self.insights.quiet_weeks)
        draft = _Draft("quiet", {"quiet_weeks": self.insights.quiet_weeks, "members": []})
        for q in quiet:
            ref = None
            if q.last_message is not None:
                cid = _channel_id_of(snap, q.last_message.channel)
                ref = draft.cite_existing(q.last_message, cid)
            draft.facts["members"].append({**q.model_dump(mode="json", exclude={"last_message"}), "ref": ref})
        return draft

    def _newcomers(self, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> _Draft:
        everyone = members_mod.unanswered_newcomers(
            snap, at=now, newcomer_days=self.insights.newcomer_days, include_answered=True
        )
        if parsed.channel_ids:  # new to the workspace, first posted in the asked channels
            everyone = [n for n in everyone if n.channel_id in parsed.channel_ids]
        draft = _Draft(
            "newcomers", {"newcomer_days": self.insights.newcomer_days, "unanswered": [], "answered": 0}
        )
        for n in everyone:
            if n.answered:
                draft.facts["answered"] += 1
                continue
            ref = draft.cite_existing(n.first_message, n.channel_id)
            draft.facts["unanswered"].append({**n.model_dump(mode="json", exclude={"first_message"}), "ref": ref})
        draft.facts["total"] = len(everyone)
        return draft

    def _contributors(self, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> _Draft:
        scoped = snap.restrict(parsed.channel_ids) if parsed.channel_ids else snap
        since = parsed.window.start if parsed.window else None
        top = members_mod.top_contributors(scoped, since=since, at=now, k=5)
        draft = _Draft("contributors", {"members": []})
        for c in top:
            refs = [draft.cite_existing(x, _channel_id_of(snap, x.channel)) for x in c.citations]
            draft.facts["members"].append({**c.model_dump(mode="json", exclude={"citations"}), "refs": refs})
        return draft

    def _twins(self, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> _Draft:
        from assistant.insights.twinning import open_flag_members

        flagged = open_flag_members(self.insights.archive)
        pairs = members_mod.twins(snap, self.insights.vectors, k=5, flagged=flagged)
        draft = _Draft("twins", {"pairs": []})
        for t in pairs:
            refs = [draft.cite_existing(x, _channel_id_of(snap, x.channel)) for x in t.citations]
            draft.facts["pairs"].append({**t.model_dump(mode="json", exclude={"citations"}), "refs": refs})
        return draft

    def _topics(self, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> _Draft:
        from assistant.insights.topics import topics_report

        draft = _Draft("topics", {"per_channel": []})
        for cid in self._targets(parsed, snap):
            report = topics_report(snap, self.insights.vectors, channel_id=cid, members=5)
            for ct in report.channels:
                clusters = []
                for cl in ct.clusters:
                    refs = [draft.cite_existing(x, cid) for x in cl.representatives[:1]]
                    clusters.append({"label": cl.label, "size": cl.size, "members": cl.members[:3], "refs": refs})
                draft.facts["per_channel"].append(
                    {"channel": ct.channel_name, "messages": ct.messages, "terms": ct.terms, "clusters": clusters}
                )
        return draft

    def _guidelines(self, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> _Draft:
        hits = self.index.search_guidelines(parsed.text, k=3)
        draft = _Draft(
            "guidelines",
            {
                "clauses": [
                    {
                        "number": h.metadata.get("number"),
                        "title": h.metadata.get("title"),
                        "text": h.text,
                        "similarity": round(h.similarity, 3),
                    }
                    for h in hits
                ]
            },
        )
        related = self._retrieve(parsed, snap, k=3)
        draft.facts["related"] = [{"ref": draft.cite(snap, m), "similarity": s} for m, s in related]
        return draft

    def _search(self, parsed: ParsedQuestion, snap: Snapshot, now: datetime) -> _Draft:
        found = self._retrieve(parsed, snap, k=SEARCH_K)
        draft = _Draft("search", {"topic": parsed.topic, "hits": []})
        for m, sim in found:
            ref = draft.cite(snap, m)
            draft.facts["hits"].append(
                {
                    "ref": ref,
                    "channel": snap.channel_name(m.channel_id),
                    "user": snap.member_name(m.user_id),
                    "date": m.time.date().isoformat(),
                    "text": m.text,
                    "similarity": sim,
                }
            )
        draft.facts["count"] = len(found)
        draft.facts["by_channel"] = dict(Counter(h["channel"] for h in draft.facts["hits"]).most_common())
        draft.facts["people"] = len({h["user"] for h in draft.facts["hits"]})
        return draft

    def _retrieve(self, parsed: ParsedQuestion, snap: Snapshot, k: int) -> list[tuple[Message, float]]:
        """Embedding hits from Chroma (metadata filters) fused with BM25 hits, only among visible messages."""
        channel_ids = parsed.channel_ids or sorted(snap.channels)
        if not channel_ids:
            return []
        window = parsed.window
        from assistant.insights.keywords import fuse
        from assistant.store.index import MessageFilter

        filters = MessageFilter(
            channel_ids=channel_ids,
            user_id=parsed.author_id,
            since=window.start if window else None,
            until=window.end if window else None,
        )
        query = parsed.topic or parsed.text
        hits = self.index.search_messages(query, k=k * 3, filters=filters)
        allowed_channels = set(channel_ids)
        known = {(m.channel_id, m.ts): m for cid in channel_ids for m in snap.by_channel.get(cid, [])}
        semantic: dict[str, tuple[Message, float]] = {}
        for h in hits:
            m = known.get((h.channel_id, h.ts))  # only messages the asker may see and that still exist
            if m is not None and h.similarity >= SEARCH_MIN_SIMILARITY:
                semantic[m.key] = (m, round(h.similarity, 3))

        def allowed(m: Message) -> bool:
            return (
                m.channel_id in allowed_channels
                and (parsed.author_id is None or m.user_id == parsed.author_id)
                and (window is None or window.contains(m.time))
                and (m.channel_id, m.ts) in known
            )

        keyword = self.insights.keyword_index().search(query, k * 3, allowed)
        by_key = {**{m.key: (m, 0.0) for m, _ in keyword}, **semantic}
        ranked = fuse([list(semantic), [m.key for m, _ in keyword]], k)
        return [by_key[key] for key in ranked]

    # LLM path ---------------------------------------------------------------------------------------------------
    def _llm_answer(self, question: str, draft: _Draft) -> tuple[str, list[int]] | None:
        from langchain_core.messages import HumanMessage, SystemMessage

        assert self.llm is not None
        numbered = [
            {"n": i, "channel": c.channel, "ts": c.ts, "user": c.user or "", "text": _quote(c.text)}
            for i, c in enumerate(draft.citations, start=1)
        ]
        facts = {k: v for k, v in draft.facts.items() if k != "question"}
        messages = [
            SystemMessage(content=render_prompt("qa_system")),
            HumanMessage(
                content=render_prompt(
                    "qa_user",
                    question=_quote(question),
                    facts_json=_quote(json.dumps(_without_text(facts), ensure_ascii=False, default=str)[:12000]),
                    messages=numbered,
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


def keep_cited(text: str, n_citations: int) -> tuple[str, list[int]] | None:
    """Keep only sentences citing a valid ``[n]``; renumber to the kept citations. None if nothing survives."""
    kept: list[str] = []
    used: list[int] = []
    for sentence in _SENTENCE.split(text.strip()):
        sentence = sentence.strip()
        refs = [int(r) for r in _CITE.findall(sentence)]
        valid = [r for r in refs if 1 <= r <= n_citations]
        if not sentence or not valid or len(valid) != len(refs):
            continue
        kept.append(sentence)
        for r in valid:
            if r not in used:
                used.append(r)
    if not kept:
        return None
    mapping = {old: new for new, old in enumerate(used, start=1)}
    body = " ".join(kept)
    body = _CITE.sub(lambda m: f"[{mapping[int(m.group(1))]}]", body)
    return body, used


def _quote(text: str) -> str:
    """Message text as inert data: delimiter look-alikes are neutralised so text cannot close its block."""
    return text.replace("<", "‹").replace(">", "›").replace("```", "ʼʼʼ")


def _without_text(value: Any) -> Any:
    """Facts for the LLM without message text: messages reach it only as numbered, quoted blocks."""
    if isinstance(value, dict):
        return {k: _without_text(v) for k, v in value.items() if k != "text"}
    if isinstance(value, list):
        return [_without_text(v) for v in value]
    return value


def _window_fact(window: Window | None) -> dict[str, str] | None:
    if window is None:
        return None
    return {
        "label": window.label,
        "kind": window.kind,
        "comparison": window.comparison,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
    }


def _channel_id_of(snap: Snapshot, name_or_id: str) -> str:
    found = snap.resolve_channel(name_or_id)
    return found.id if found else name_or_id


__all__ = ["Answer", "QAService", "keep_cited"]

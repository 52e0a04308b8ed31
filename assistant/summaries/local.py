"""The local summariser: no LLM, only the encoder's vectors and explicit rules.

Extractive-abstractive: central messages are selected (``selection``), their best sentence is reported with its
speaker's name (``rewrite``: a tested third-person template where every referent is certain, else a verbatim
quote), decisions, action items and open questions come from wording cues and the thread's reply structure
(``cues``), and help threads get a resolved or unresolved line (``resolution``). Every line carries the ``ts`` of
the message it was taken from.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from assistant.domain import Judgment, Summary, SummaryPoint
from assistant.summaries import cues
from assistant.summaries.conversation import Conversation
from assistant.summaries.mood import assess_mood
from assistant.summaries.resolution import Resolution, resolve
from assistant.summaries.rewrite import quote, report
from assistant.summaries.selection import SelectionSettings, centrality, segments, select
from assistant.summaries.text import (
    content_words,
    is_question,
    is_small_talk,
    split_sentences,
    strip_filler,
    strip_trailing_refs,
    truncate_words,
)


@dataclass(frozen=True)
class LocalSettings:
    """Knobs of the local summariser; chosen in general terms on DialogSum dev and sample threads."""

    gist_sentences: int = 2
    gist_words: int = 22
    point_words: int = 35
    max_key_points: int = 12
    anchor_opening: bool = True  # the first gist sentence comes from the opening message when it has content
    toxicity_threshold: float = 0.7
    selection: SelectionSettings = field(default_factory=SelectionSettings)


class LocalSummarizer:
    """Builds a ``Summary`` from a ``Conversation`` with the encoder's vectors only."""

    method = "local"

    def __init__(self, settings: LocalSettings | None = None) -> None:
        self.settings = settings or LocalSettings()

    # Public ---------------------------------------------------------------------------------------------------
    def summarize(
        self,
        conv: Conversation,
        *,
        channel_id: str,
        thread_ts: str | None = None,
        judgments: Mapping[str, Judgment] | None = None,
        reverse_names: Mapping[str, str] | None = None,
    ) -> Summary:
        cfg = self.settings
        if len(conv) == 0:
            raise ValueError("a summary needs at least one message with text")
        scores = centrality(conv, cfg.selection)
        for i, turn in enumerate(conv.turns):  # summaries report abuse through the mood, never repeat it
            j = (judgments or {}).get(turn.ts)
            if j is not None:
                tox = j.toxicity.score
                scores[i] *= 0.2 if tox >= cfg.toxicity_threshold else (1.0 - tox) ** 2
        df = _document_frequency(conv)
        gist_idx = self.gist_turns(conv, scores)
        decision_cues = cues.decisions(conv)
        if decision_cues:  # the outcome is the most useful second half of a gist
            gist_idx = [i for i in gist_idx if i != decision_cues[-1].index][:1]
        gist_lines = [self.report(conv, i, df, cfg.gist_words) for i in gist_idx]
        if decision_cues:
            gist_lines.append(f"Decision: {self._decision(conv, decision_cues[-1]).text}")
        gist = " ".join(line for line in gist_lines if line) or self.report(
            conv, 0, df, cfg.gist_words, force=True
        )
        gist_sources = [conv.turns[i].ts for i in gist_idx] + (
            [conv.turns[decision_cues[-1].index].ts] if decision_cues else []
        )
        action_cues = cues.action_items(conv, reverse_names)
        question_cues = cues.open_questions(conv)
        used = set(gist_idx) | {c.index for c in (*decision_cues, *action_cues, *question_cues)}
        n_points = min(
            cfg.max_key_points, 2 + len(segments(len(conv), cfg.selection.segment_size)) + len(conv) // 25
        )
        point_idx = select(conv, n_points, scores=scores, exclude=used, settings=cfg.selection)
        key_points = [
            SummaryPoint(text=line, ts=conv.turns[i].ts, user=conv.turns[i].user, sources=[conv.turns[i].ts])
            for i in point_idx
            if (line := self.report(conv, i, df, cfg.point_words))
        ]
        mood = assess_mood(conv.turns, judgments or {}, toxicity_threshold=cfg.toxicity_threshold)
        resolution = resolve(conv)
        return Summary(
            channel_id=channel_id,
            thread_ts=thread_ts,
            gist=gist,
            gist_sources=gist_sources or [conv.turns[0].ts],
            key_points=key_points,
            decisions=[self._decision(conv, c) for c in decision_cues],
            open_questions=[self._question(conv, c) for c in question_cues],
            action_items=[self._action(conv, c) for c in action_cues],
            resolved=resolution.resolved if resolution else None,
            resolution=self._resolution(conv, resolution) if resolution else None,
            participants=conv.participants(),
            mood=mood.model_dump(),
            method=self.method,
            message_count=len(conv),
            first_ts=conv.turns[0].ts,
            last_ts=conv.turns[-1].ts,
        )

    def gist_turns(self, conv: Conversation, scores: object) -> list[int]:
        """The most central turn, then the best turn of another speaker that adds something (time order)."""
        import numpy as np

        s = np.asarray(scores, dtype=np.float64)
        if len(s) == 0 or s.max() <= 0:
            return [0] if len(conv) else []
        first = 0 if self.settings.anchor_opening and s[0] > 0 else int(s.argmax())
        picks = [first]
        want = self.settings.gist_sentences
        while len(picks) < min(want, len(conv)):
            best, best_value = None, 0.0
            for i in range(len(conv)):
                if i in picks or s[i] <= 0:
                    continue
                overlap = max(float(conv.vectors[i] @ conv.vectors[j]) for j in picks)
                other = 1.0 if all(conv.turns[i].user != conv.turns[j].user for j in picks) else 0.5
                value = s[i] * other * (1.0 - 0.5 * max(0.0, overlap))
                if value > best_value:
                    best, best_value = i, value
            if best is None:
                break
            picks.append(best)
        return sorted(picks)

    def report(self, conv: Conversation, i: int, df: Counter[str], limit: int, *, force: bool = False) -> str:
        """The best sentence of turn ``i``, cut to ``limit`` words, as a template line or a verbatim quote."""
        turn = conv.turns[i]
        sentence = best_sentence(turn.text, df, force=force)
        if not sentence:
            return ""
        return report(truncate_words(sentence, limit), conv.name(turn.user), conv.certain_addressee(i)).text

    # Points ---------------------------------------------------------------------------------------------------
    def _decision(self, conv: Conversation, cue: cues.Cue) -> SummaryPoint:
        turn = conv.turns[cue.index]
        line = report(
            truncate_words(cue.text, self.settings.point_words),
            conv.name(turn.user),
            conv.certain_addressee(cue.index),
        )
        return SummaryPoint(text=line.text, ts=turn.ts, user=turn.user, sources=[turn.ts])

    def _question(self, conv: Conversation, cue: cues.Cue) -> SummaryPoint:
        turn = conv.turns[cue.index]
        question = cue.text
        if ": " in question and question.rsplit(": ", 1)[1].strip().endswith("?"):
            question = question.rsplit(": ", 1)[1]  # "One thing I still don't know: who has the login?"
        line = report(
            truncate_words(question, self.settings.point_words),
            conv.name(turn.user),
            conv.certain_addressee(cue.index),
        )
        return SummaryPoint(text=line.text, ts=turn.ts, user=turn.user, sources=[turn.ts])

    def _action(self, conv: Conversation, cue: cues.Cue) -> SummaryPoint:
        turn = conv.turns[cue.index]
        speaker = conv.name(turn.user)
        clause = cue.text.strip()
        requested = cues.is_request(clause)
        addressee = conv.name(cue.owner) if cue.owner else None
        if requested:  # "@malik, can you order the filter?" asks the mentioned member
            clause = re.sub(r"^@[\w.\-À-ɏ]+,? ", "", clause)
            if not clause.endswith("?") and re.match(r"^(?:can|could|would) you\b", clause, re.I):
                clause += "?"
        elif cue.owner and cue.owner != turn.user:  # "@malik will order the filter": their name, as written
            clause = clause.lstrip("@")
            if not cues.has_pronoun(clause):
                text = _end(truncate_words(clause[0].upper() + clause[1:], self.settings.point_words))
                return SummaryPoint(text=text, ts=turn.ts, user=cue.owner, sources=[turn.ts])
        elif re.match(r"^will\b", clause, re.I):  # "Action items: will update the doc" by the speaker
            clause = f"I {clause[0].lower()}{clause[1:]}"
        line = report(truncate_words(clause, self.settings.point_words), speaker, addressee if requested else None)
        return SummaryPoint(text=line.text, ts=turn.ts, user=cue.owner, sources=[turn.ts])

    def _resolution(self, conv: Conversation, res: Resolution) -> SummaryPoint:
        turn = conv.turns[res.index]
        said = quote(truncate_words(turn.text, self.settings.point_words), conv.name(turn.user))
        if not res.resolved:
            return SummaryPoint(text=said, ts=turn.ts, user=turn.user, sources=[turn.ts])
        line = f"{said} — {signals_sentence(conv.name(res.asker), conv.name(res.helper), res.signals, turn.reactions)}"
        sources = [turn.ts, *(conv.turns[k].ts for k in res.signal_indices)]
        return SummaryPoint(text=line, ts=turn.ts, user=res.helper, sources=list(dict.fromkeys(sources)))


def and_join(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def signals_sentence(asker: str, helper: str, signals: list[str], reactions: int) -> str:
    """Why a reply counts as the solution, in one or two template sentences: "Ron thanked Niesha and reused
    the code." / "The reply got 2 reactions." """
    phrases = [
        {"thanked": f"thanked {helper}", "confirmed": "said it worked", "reused": "reused the code"}[s]
        for s in signals
        if s != "reactions"
    ]
    out = f"{asker} {and_join(phrases)}." if phrases else ""
    if "reactions" in signals:
        out += f"{' ' if out else ''}The reply got {reactions} reaction{'' if reactions == 1 else 's'}."
    return out


def _end(text: str) -> str:
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _document_frequency(conv: Conversation) -> Counter[str]:
    df: Counter[str] = Counter()
    for t in conv.turns:
        df.update(content_words(t.text))
    return df


def best_sentence(text: str, df: Counter[str], *, force: bool = False) -> str:
    """The sentence of a message that shares most with the rest of the conversation (per word, favouring
    the opening sentence), without a leading "Well," or "Yeah"; small talk never wins unless ``force``."""
    best, best_value = "", -math.inf
    for pos, raw in enumerate(split_sentences(text)):
        sentence = strip_filler(strip_trailing_refs(raw))
        if not sentence or is_small_talk(sentence):
            continue
        words = content_words(sentence)
        shared = sum(math.log1p(df[w]) for w in words)
        value = shared / math.sqrt(len(sentence.split()) + 1) + (0.3 if pos == 0 else 0.0)
        value += 0.1 if is_question(sentence) else 0.0
        value -= 0.5 * sentence.count("(code)") + 0.2 * sentence.count("(link)")
        value -= 0.5 if len(words) < 3 else 0.0  # "Debugging @sam." says little on its own
        if value > best_value:
            best, best_value = sentence, value
    if not best and force:
        return text
    return best

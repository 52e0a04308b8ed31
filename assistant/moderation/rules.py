"""Whether one judged message crosses its channel's policy, and which judgment drove it.

Misinformation flags by default only with evidence (a matched known false claim): an alert must show the
fact that refutes the message, and the learned model alone is too unsure outside its training domain.

Shared by live flagging and replay so a proposed policy is tested with exactly the rule that will run.
"""

from __future__ import annotations

from pydantic import BaseModel

from assistant.config import JUDGMENT_NAMES
from assistant.domain import Judgment, Message
from assistant.domain.judgments import Span
from assistant.moderation.models import ChannelPolicy

#: Judgments whose driving words an allow-listed term can excuse.
ALLOW_LISTABLE = frozenset({"toxicity", "sentiment"})


class Crossing(BaseModel):
    judgment: str
    score: float
    threshold: float
    crossed: list[str]
    scores: dict[str, float]
    span: Span | None = None


def scores_of(judgment: Judgment) -> dict[str, float]:
    return {name: round(float(judgment.score(name)), 4) for name in JUDGMENT_NAMES}


def driving_span(judgment: Judgment, name: str) -> Span | None:
    return judgment.toxicity.span if name == "toxicity" else None


def _has_evidence(judgment: Judgment) -> bool:
    """A misinformation score backed by a known false claim (and so a fact that refutes it)."""
    m = judgment.misinformation
    return m.matched_claim is not None or m.refuting_fact is not None


def evaluate(policy: ChannelPolicy, message: Message, judgment: Judgment) -> Crossing | None:
    """The crossing with the largest margin over its threshold, or None (exempt, allowed or below)."""
    if not policy.active or (message.user_id and message.user_id in policy.exempt_members):
        return None
    scores = scores_of(judgment)
    crossed: list[tuple[float, str, float]] = []
    for name, threshold in policy.effective.items():
        score = scores.get(name, 0.0)
        if score < threshold:
            continue
        if name == "misinformation" and policy.misinformation_needs_evidence and not _has_evidence(judgment):
            continue
        if name in ALLOW_LISTABLE and policy.allow_terms:
            span = driving_span(judgment, name)
            if policy.allows(span.text if span else message.text):
                continue
        crossed.append((score - threshold, name, threshold))
    if not crossed:
        return None
    crossed.sort(reverse=True)
    _, name, threshold = crossed[0]
    return Crossing(
        judgment=name,
        score=scores[name],
        threshold=threshold,
        crossed=[c[1] for c in crossed],
        scores=scores,
        span=driving_span(judgment, name),
    )

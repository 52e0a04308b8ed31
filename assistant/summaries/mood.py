"""The mood of a conversation from stored judgments: sentiment mix, and whether it turned heated.

"Heated" means something a moderator would want to know: a message over the toxicity threshold, or
negativity that rises clearly in the last part of the thread. Messages without a stored judgment are
counted as unjudged, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from assistant.domain import Judgment
from assistant.summaries.conversation import Turn


class Mood(BaseModel):
    """Shares of negative/neutral/positive among judged messages, and the heated verdict with its reason."""

    label: str = Field(description="neutral, positive, mixed, tense, heated, or unknown when nothing was judged")
    shares: dict[str, float] = Field(default_factory=dict)
    judged: int = 0
    unjudged: int = 0
    heated: bool = False
    heated_reason: str = ""
    heated_ts: list[str] = Field(default_factory=list, description="messages over the toxicity threshold")


def assess_mood(
    turns: Sequence[Turn],
    judgments: Mapping[str, Judgment],
    *,
    toxicity_threshold: float,
    rise: float = 0.3,
) -> Mood:
    judged = [(t, judgments[t.ts]) for t in turns if t.ts in judgments]
    if not judged:
        return Mood(label="unknown", unjudged=len(turns))
    counts = {"negative": 0, "neutral": 0, "positive": 0}
    for _, j in judged:
        counts[j.sentiment.mood_label] = counts.get(j.sentiment.mood_label, 0) + 1
    total = len(judged)
    shares = {k: round(v / total, 3) for k, v in counts.items()}
    toxic = [t.ts for t, j in judged if j.toxicity.score >= toxicity_threshold]
    reason = ""
    if toxic:
        reason = f"{len(toxic)} message(s) over the toxicity threshold {toxicity_threshold:.2f}"
    elif total >= 9:
        # Negativity alone is common in help threads (people describe bugs); heated needs hostility rising too.
        third = total // 3
        early = sum(j.sentiment.mood_label == "negative" for _, j in judged[:third]) / third
        late = sum(j.sentiment.mood_label == "negative" for _, j in judged[-third:]) / third
        late_toxicity = max(j.toxicity.score for _, j in judged[-third:])
        if late - early >= rise and late >= 0.6 and late_toxicity >= 0.75 * toxicity_threshold:
            reason = (
                f"negative share rose from {early:.0%} to {late:.0%} in the last third, "
                f"with toxicity up to {late_toxicity:.2f}"
            )
    if reason:
        label = "heated"
    elif shares["negative"] >= 0.4:
        label = "tense"
    elif shares["positive"] >= 0.5 and shares["negative"] < 0.15:
        label = "positive"
    elif shares["positive"] >= 0.2 and shares["negative"] >= 0.2:
        label = "mixed"
    else:
        label = "neutral"
    return Mood(
        label=label,
        shares=shares,
        judged=total,
        unjudged=len(turns) - total,
        heated=bool(reason),
        heated_reason=reason,
        heated_ts=toxic,
    )

"""What the judgment engine says about one message; filled by ``assistant.judgments``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SentimentLabel = Literal["negative", "neutral", "positive"]


class Span(BaseModel):
    """The part of a message that drove a score (character offsets into the readable text)."""

    start: int
    end: int
    text: str
    weight: float = 0.0


class ToxicityJudgment(BaseModel):
    score: float = Field(ge=0.0, le=1.0, description="Calibrated probability that the message is toxic.")
    categories: dict[str, float] = Field(
        default_factory=dict,
        description="insult, hate, threat, profanity: probabilities where data supports them.",
    )
    span: Span | None = None


class Evidence(BaseModel):
    """A retrieved item a judgment relies on: a known false claim, a fact, or a guideline clause."""

    source: Literal["known_false_claim", "fact_sheet", "guideline", "message"]
    id: str
    text: str
    similarity: float | None = None


class MisinformationJudgment(BaseModel):
    score: float = Field(ge=0.0, le=1.0, description="max of the claim-match and model scores")
    model_score: float = Field(ge=0.0, le=1.0, description="learned misinformation-likeness")
    claim_score: float = Field(default=0.0, ge=0.0, le=1.0, description="match to a known false claim")
    fired: list[Literal["claim_match", "model"]] = Field(default_factory=list)
    matched_claim: Evidence | None = None
    refuting_fact: Evidence | None = None
    model_scores: dict[str, float] = Field(
        default_factory=dict, description="learned score per kind of text: social_post, political_claim, ..."
    )


#: A message counts as positive or negative in a mood (a channel's or a thread's) only when the judge gives
#: that label at least this probability; a less sure label counts as neutral, as a reader would take it.
MOOD_MIN_PROB = 0.5


class SentimentJudgment(BaseModel):
    label: SentimentLabel
    probs: dict[str, float]

    @property
    def mood_label(self) -> SentimentLabel:
        """The label a mood counts: ``label`` when the judge is sure of it (``MOOD_MIN_PROB``), else neutral."""
        return self.label if self.probs.get(self.label, 0.0) >= MOOD_MIN_PROB else "neutral"


class WantJudgment(BaseModel):
    score: float = Field(ge=0.0, le=1.0, description="probability the message is a request/suggestion/wish/need")
    is_want: bool = False


class Judgment(BaseModel):
    """All judgments of one message, from one encoder pass."""

    channel_id: str
    ts: str
    toxicity: ToxicityJudgment
    misinformation: MisinformationJudgment
    sentiment: SentimentJudgment
    want: WantJudgment
    model_version: str = ""

    def score(self, name: str) -> float:
        """The single number a policy threshold compares against, by judgment name."""
        if name == "toxicity":
            return self.toxicity.score
        if name == "misinformation":
            return self.misinformation.score
        if name == "sentiment":
            return self.sentiment.probs.get("negative", 0.0)
        if name == "want":
            return self.want.score
        raise KeyError(name)

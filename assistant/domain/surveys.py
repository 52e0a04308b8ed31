"""Survey records: plain data for the CLI, the Slack app, the report, the demo and the store's surveys."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

SurveyKind = Literal["single", "multiple", "text"]
MAX_OPTIONS = 10
MAX_QUESTION = 300
MAX_OPTION = 75
MAX_ANSWER = 2000


class SurveySpec(BaseModel):
    """What a manager asks for: a question, how to answer it, where, whether anonymously, until when."""

    question: str
    kind: SurveyKind = "single"
    options: list[str] = Field(default_factory=list)
    channels: list[str] = Field(min_length=1)
    anonymous: bool = False
    closes_at: datetime
    template: str = ""

    @field_validator("question")
    @classmethod
    def _question(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("a survey needs a question")
        if len(v) > MAX_QUESTION:
            raise ValueError(f"the question is longer than {MAX_QUESTION} characters")
        return v

    @field_validator("options")
    @classmethod
    def _options(cls, v: list[str]) -> list[str]:
        out: list[str] = []
        for o in v:
            o = " ".join(o.split())
            if o and o not in out:
                out.append(o[:MAX_OPTION])
        if len(out) > MAX_OPTIONS:
            raise ValueError(f"a survey has at most {MAX_OPTIONS} options")
        return out

    @model_validator(mode="after")
    def _choices_need_options(self) -> SurveySpec:
        if self.kind == "text":
            self.options = []
        elif len(self.options) < 2:
            raise ValueError("a choice question needs at least two options (one a line)")
        return self


class Survey(BaseModel):
    id: str
    question: str
    kind: SurveyKind
    options: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    anonymous: bool = False
    template: str = ""
    created_by: str
    created_at: datetime
    closes_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    posts: dict[str, str] = Field(default_factory=dict)
    answers: int = 0

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class SurveyAnswer(BaseModel):
    """One member's answer; ``user_id`` is None for an anonymous survey (nobody knows who answered)."""

    channel_id: str
    choices: list[str] = Field(default_factory=list)
    text: str = ""
    user_id: str | None = None
    answered_at: datetime | None = None


class OptionCount(BaseModel):
    option: str
    count: int
    share: float


class ChannelCounts(BaseModel):
    """Counts in one micro-community (the channel the answers came from)."""

    channel_id: str
    channel_name: str
    respondents: int
    options: list[OptionCount] = Field(default_factory=list)

    def line(self, escape: Callable[[str], str] = str) -> str:
        """ "#general: 4 answers (Yes 3, No 1)": the options nobody here chose are left out; ``escape`` guards the
        names for a markup (the CLI's)."""
        counts = ", ".join(f"{escape(o.option)} {o.count}" for o in self.options if o.count)
        return f"#{escape(self.channel_name)}: {self.respondents} answers" + (f" ({counts})" if counts else "")


class AnswerTheme(BaseModel):
    """Free-text answers clustered the way wants are (same clustering, same labels)."""

    label: str
    terms: list[str] = Field(default_factory=list)
    size: int
    answers: list[str] = Field(default_factory=list)


class SurveyResults(BaseModel):
    survey: Survey
    respondents: int
    options: list[OptionCount] = Field(default_factory=list)
    per_channel: list[ChannelCounts] = Field(default_factory=list)
    themes: list[AnswerTheme] = Field(default_factory=list)
    one_offs: list[str] = Field(default_factory=list)
    #: Named surveys only: who answered what (an anonymous survey has none to give).
    answers: list[SurveyAnswer] = Field(default_factory=list)

"""The survey records, kept importable here; they live in ``assistant.domain.surveys`` (shared with the store's
survey repository, which sits below this package)."""

from __future__ import annotations

from assistant.domain.surveys import (
    MAX_ANSWER,
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_QUESTION,
    AnswerTheme,
    ChannelCounts,
    OptionCount,
    Survey,
    SurveyAnswer,
    SurveyKind,
    SurveyResults,
    SurveySpec,
)

__all__ = [
    "MAX_ANSWER",
    "MAX_OPTION",
    "MAX_OPTIONS",
    "MAX_QUESTION",
    "AnswerTheme",
    "ChannelCounts",
    "OptionCount",
    "Survey",
    "SurveyAnswer",
    "SurveyKind",
    "SurveyResults",
    "SurveySpec",
]

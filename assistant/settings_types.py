"""The vocabulary of the settings (``assistant.config``): judgment names, default thresholds, the value types a
setting may have (a probability, a comma-separated list, ...) and ``Area``, the base of each area's settings.

Each value type carries its own parsing and check, so a setting declares only its type, default and bounds, and
every setting of one type is read and checked alike.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Generic, Literal, TypeVar, cast, overload

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from pydantic_settings import NoDecode

__all__ = [
    "DEFAULT_MODERATION_JUDGMENTS",
    "DEFAULT_THRESHOLDS",
    "JUDGMENT_NAMES",
    "Area",
    "AreaOf",
    "CommaList",
    "Counts",
    "Judgment",
    "JudgmentName",
    "Probability",
    "SlackUserId",
    "Thresholds",
]

JudgmentName = Literal["toxicity", "misinformation", "sentiment", "want"]
JUDGMENT_NAMES: tuple[JudgmentName, ...] = ("toxicity", "misinformation", "sentiment", "want")
#: Judgments that raise flags unless ``ASSISTANT_MODERATION_JUDGMENTS`` says otherwise.
DEFAULT_MODERATION_JUDGMENTS: tuple[JudgmentName, ...] = ("toxicity", "misinformation")

#: Defaults chosen on dev data by ``assistant train`` (see MODEL_CARD.md); per-channel overrides live in policy.
#: toxicity: precision >= 0.8 on OLID dev; misinformation: precision >= 0.96 on Constraint dev; sentiment
#: (P(negative)): precision >= 0.8 on SemEval-2017 dev; want: best F1 on SemEval-2019 dev reweighted to 10% wants.
DEFAULT_THRESHOLDS: dict[JudgmentName, float] = {
    "toxicity": 0.7,
    "misinformation": 0.7,
    "sentiment": 0.95,
    "want": 0.53,
}


def _known_judgment(name: Any) -> Any:
    if name not in JUDGMENT_NAMES:
        raise ValueError(f"unknown judgment {name!r}; expected one of {', '.join(JUDGMENT_NAMES)}")
    return name


def _probability(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"must be between 0 and 1, got {value:g}")
    return value


def _split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _split_counts(value: Any) -> Any:
    if isinstance(value, str):
        parts = _split_commas(value)
        if not all(part.isdigit() and int(part) > 0 for part in parts):
            raise ValueError("must be positive whole numbers separated by commas, e.g. 1,3,6,12")
        return sorted({int(part) for part in parts})
    return value


def _slack_user_id(user_id: str) -> str:
    if not re.fullmatch(r"[UW][A-Z0-9]{2,}", user_id):
        raise ValueError(f"{user_id!r} is not a Slack user id (like U0123ABCD)")
    return user_id


T = TypeVar("T")
A = TypeVar("A", bound="Area")

#: A judgment's name, checked with one readable message wherever settings name judgments.
Judgment = Annotated[JudgmentName, BeforeValidator(_known_judgment)]
#: A probability threshold in [0, 1].
Probability = Annotated[float, AfterValidator(_probability)]
#: Thresholds per judgment.
Thresholds = dict[Judgment, Probability]
#: A list written ``a, b, c`` in the environment (not JSON); blanks are dropped.
CommaList = Annotated[list[T], NoDecode, BeforeValidator(_split_commas)]
#: Positive whole numbers written ``1,3,6,12``, kept sorted and once each.
Counts = Annotated[list[int], NoDecode, BeforeValidator(_split_counts)]
#: A Slack user id such as ``U0123ABCD``.
SlackUserId = Annotated[str, AfterValidator(_slack_user_id)]


class Area(BaseModel):
    """The settings of one area (the archive, Slack, moderation, ...). ``Settings`` inherits every area, so it reads
    each field from the environment and is itself accepted wherever an area is; ``settings.<area>`` is the view of
    that area alone, with the same field names, which is what a service of that area is handed.

    A field's description is its attribute docstring."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    @classmethod
    def of(cls: type[A], settings: Area) -> A:
        """This area's fields of ``settings`` (already validated there), as a snapshot."""
        values = {name: getattr(settings, name) for name in cls.model_fields}
        return cast(A, cls.model_construct(**values))  # the pydantic plugin types it as the base's


class AreaOf(Generic[A]):
    """``settings.moderation``: the view of one area, built from the settings when read (so it follows a
    ``model_copy(update=...)``); on the class, the area's model itself."""

    def __init__(self, area: type[A]) -> None:
        self.area = area

    @overload
    def __get__(self, obj: None, owner: type) -> type[A]: ...

    @overload
    def __get__(self, obj: Area, owner: type) -> A: ...

    def __get__(self, obj: Area | None, owner: type) -> type[A] | A:
        return self.area if obj is None else self.area.of(obj)

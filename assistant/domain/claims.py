"""What a claim is: its text, the fact-checkers' verdict, the correction and its source, who added it and when."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Verdict = Literal["false", "misleading", "true", "unproven"]
VERDICTS: tuple[Verdict, ...] = ("false", "misleading", "true", "unproven")
#: Only these raise alerts; a match to a true or unproven claim can add context, never an alert.
ALERTING_VERDICTS: frozenset[str] = frozenset({"false", "misleading"})

_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_text(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\x00", "")).strip()


def claim_key(text: str) -> str:
    """What makes two claims the same claim: their words, whatever the case, quote marks and punctuation.

    Fact-check databases list some claims twice with only the quotes changed (CheckThat! 2020's Snopes claims:
    184 such pairs in 10,375); stored twice, the same rumour would be two claims that split its matches.
    """
    return _NOT_WORD.sub(" ", text.casefold()).strip() or normalize_text(text).casefold()


def claim_id_for(text: str) -> str:
    """A stable id from the claim's words (case and spacing ignored): adding the same claim twice is one claim."""
    digest = hashlib.blake2b(normalize_text(text).lower().encode("utf-8"), digest_size=6).hexdigest()
    return f"claim-{digest}"


def parse_verdict(value: str | None) -> Verdict | None:
    """A verdict from a fact-check's rating ("False", "Mostly false", "misleading", "TRUE", "Unproven", ...)."""
    v = (value or "").strip().lower().replace("_", " ").replace("-", " ")
    if not v:
        return None
    if v in ("false", "fake", "pants on fire", "mostly false", "incorrect", "wrong", "hoax", "scam", "fiction"):
        return "false"
    if v in ("misleading", "mixture", "half true", "miscaptioned", "misattributed", "outdated", "exaggerated"):
        return "misleading"
    if v in ("true", "mostly true", "correct", "correct attribution", "accurate"):
        return "true"
    if v in ("unproven", "unverified", "undetermined", "unknown", "research in progress", "legend"):
        return "unproven"
    return None


class Claim(BaseModel):
    id: str
    text: str
    #: The fact-check's headline, when it has one ("Did X really say Y?"): matched together with the text.
    title: str = ""
    verdict: Verdict = "false"
    correction: str = ""
    source_url: str = ""
    #: The fact sheet entry that refutes it (claims seeded from the knowledge folder).
    refuted_by: str = ""
    origin: str = "cli"
    #: For claims taught in Slack: the message (``channel:ts``) it was taught from.
    origin_ref: str = ""
    added_by: str
    added_at: datetime
    removed_by: str | None = None
    removed_at: datetime | None = None

    @property
    def alerting(self) -> bool:
        return self.verdict in ALERTING_VERDICTS


class ClaimInput(BaseModel):
    """One claim to add (from the CLI, a file or Slack) before it is stored."""

    text: str = Field(min_length=1)
    title: str = ""
    verdict: Verdict = "false"
    correction: str = ""
    source_url: str = ""
    id: str | None = None
    refuted_by: str = ""

    def claim_id(self) -> str:
        return self.id or claim_id_for(self.text)

"""What the claims service reports: an import's counts, and an earlier message that repeats a claim."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    file: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Rows not stored because the file or the store already holds the same claim (``claim_key``) under another id.
    duplicates: int = 0
    encoded: int = 0
    problems: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class Repeat:
    """An earlier message that repeats a claim."""

    channel_id: str
    ts: str
    text: str
    similarity: float

    @property
    def time(self) -> float:
        return float(self.ts)

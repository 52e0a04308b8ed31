"""Loads the knowledge the assistant enforces and cites: guidelines (numbered clauses), facts, false claims.

The defaults ship in the repository's ``knowledge/`` folder; operators point ``ASSISTANT_KNOWLEDGE_DIR``
at their own copy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from assistant.domain.moderation import Clause
from assistant.errors import ConfigError

_CLAUSE = re.compile(r"^##\s*(\d+)\.\s*(.+?)\s*$")


class FactEntry(BaseModel):
    id: str
    topic: str = ""
    text: str


class FalseClaim(BaseModel):
    id: str
    claim: str
    refuted_by: str
    note: str = ""


@dataclass(frozen=True)
class Knowledge:
    clauses: list[Clause]
    facts: list[FactEntry]
    claims: list[FalseClaim]

    def clause(self, number: int) -> Clause | None:
        return next((c for c in self.clauses if c.number == number), None)

    def fact(self, fact_id: str) -> FactEntry | None:
        return next((f for f in self.facts if f.id == fact_id), None)


def default_knowledge_dir() -> Path:
    """``knowledge/`` at the repository root (next to the package), or the installed copy."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "knowledge", here / "knowledge_data"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("The knowledge folder (guidelines, facts, sample workspace) was not found.")


def parse_guidelines(markdown: str) -> list[Clause]:
    clauses: list[Clause] = []
    current: tuple[int, str] | None = None
    body: list[str] = []
    for line in markdown.splitlines():
        m = _CLAUSE.match(line)
        if m:
            if current:
                clauses.append(Clause(number=current[0], title=current[1], text=" ".join(body).strip()))
            current, body = (int(m.group(1)), m.group(2).strip()), []
        elif current and line.strip() and not line.startswith("#"):
            body.append(line.strip())
    if current:
        clauses.append(Clause(number=current[0], title=current[1], text=" ".join(body).strip()))
    return clauses


def _jsonl(path: Path, model: type[BaseModel]) -> list[BaseModel]:
    out: list[BaseModel] = []
    if not path.exists():
        return out
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(model.model_validate_json(line))
        except ValidationError as exc:
            raise ConfigError(
                f"{path.name} line {lineno} is not a valid entry: {exc.errors()[0]['msg']}."
            ) from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path.name} line {lineno} is not JSON: {exc.msg}.") from None
    return out


def load_knowledge(directory: Path | None = None) -> Knowledge:
    d = directory or default_knowledge_dir()
    guidelines = d / "guidelines.md"
    clauses = parse_guidelines(guidelines.read_text(encoding="utf-8")) if guidelines.exists() else []
    facts = [FactEntry.model_validate(x.model_dump()) for x in _jsonl(d / "facts.jsonl", FactEntry)]
    claims = [FalseClaim.model_validate(x.model_dump()) for x in _jsonl(d / "false_claims.jsonl", FalseClaim)]
    return Knowledge(clauses=clauses, facts=facts, claims=claims)

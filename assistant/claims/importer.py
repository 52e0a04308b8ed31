"""Reads a file of fact-checks (CSV, TSV or JSON lines) into claims, mapping columns by name.

Recognised column names (case, spaces and dashes ignored), first found wins; ``mapping`` overrides them:

- text: claim, text, claim_text, statement, rumour, rumor
- title: title, headline
- verdict: verdict, rating, label, truth_rating, claim_rating, textual_rating
- correction: correction, explanation, fact, what_is_true, summary, note
- source_url: source_url, source, url, link, review_url, fact_check_url
- id: id, claim_id
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.claims.models import ClaimInput, Verdict, claim_key, normalize_text, parse_verdict
from assistant.errors import AssistantError
from assistant.jsonl import json_lines

COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("claim", "text", "claim_text", "statement", "rumour", "rumor"),
    "title": ("title", "headline"),
    "verdict": ("verdict", "rating", "label", "truth_rating", "claim_rating", "textual_rating"),
    "correction": ("correction", "explanation", "fact", "what_is_true", "summary", "note"),
    "source_url": ("source_url", "source", "url", "link", "review_url", "fact_check_url"),
    "id": ("id", "claim_id"),
}
MAX_PROBLEMS = 20
csv.field_size_limit(1 << 24)


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower().lstrip("\ufeff"))


@dataclass
class ReadResult:
    claims: list[ClaimInput] = field(default_factory=list)
    rows: int = 0
    #: Rows skipped because an earlier row holds the same claim (same id, or the same words: ``claim_key``).
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)


def records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    suffix = path.suffix.lower()
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        if suffix in (".jsonl", ".ndjson", ".json"):
            for lineno, value in json_lines(fh, path.name):
                if not isinstance(value, dict):
                    raise AssistantError(f"{path.name} line {lineno} is not a JSON object.")
                yield lineno, value
        else:
            delimiter = "\t" if suffix == ".tsv" else ","
            reader = csv.DictReader(fh, delimiter=delimiter)
            for row in reader:
                yield reader.line_num, {k: v for k, v in row.items() if k is not None}


def _columns(names: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Our field -> the file's column name (the claims file's ``COLUMNS``)."""
    return resolve_columns(names, mapping, COLUMNS)


def resolve_columns(
    names: list[str], mapping: dict[str, str], known: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    """Our field -> the file's column name: ``mapping`` first, else the first of ``known``'s names the file has."""
    by_key = {_key(n): n for n in names}
    found: dict[str, str] = {}
    for ours, candidates in known.items():
        if ours in mapping:
            wanted = _key(mapping[ours])
            if wanted not in by_key:
                raise AssistantError(f"The file has no column {mapping[ours]!r} (for {ours}).")
            found[ours] = by_key[wanted]
            continue
        hit = next((by_key[c] for c in candidates if c in by_key), None)
        if hit is not None:
            found[ours] = hit
    return found


def read_claims(
    path: Path,
    *,
    default_verdict: Verdict = "unproven",
    mapping: dict[str, str] | None = None,
    id_prefix: str = "",
) -> ReadResult:
    """Claims from a CSV/TSV/JSONL file of fact-checks. A row's rating that is not a known verdict, or no rating
    column at all, gives ``default_verdict``; rows without a claim text are skipped and named in ``problems``, and so
    are rows repeating an earlier row's claim (its id, or its words whatever the quotes: the first one is kept)."""
    if not path.is_file():
        raise AssistantError(f"{path} is not a file.")
    out = ReadResult()
    columns: dict[str, str] | None = None
    seen_ids: set[str] = set()
    #: claim_key(text) -> the line that claim was first read from (the first of identical claims is kept)
    seen_texts: dict[str, int] = {}
    for lineno, record in records(path):
        out.rows += 1
        if columns is None or (path.suffix.lower() in (".jsonl", ".ndjson", ".json")):
            columns = _columns(list(record), mapping or {})
            if "text" not in columns:
                raise AssistantError(
                    f"{path.name} has no claim column: name one claim, text or statement, or pass --map text=COLUMN."
                )
            if not out.columns:
                out.columns = dict(columns)
        current: dict[str, str] = columns

        def get(field_: str, rec: dict[str, Any] = record, cols: dict[str, str] = current) -> str:
            value = rec.get(cols[field_]) if field_ in cols else None
            return normalize_text(str(value)) if value is not None else ""

        text = get("text")
        if not text:
            if len(out.problems) < MAX_PROBLEMS:
                out.problems.append(f"line {lineno}: no claim text; skipped")
            continue
        raw_id = get("id")
        claim_id = f"{id_prefix}{raw_id}" if raw_id else None
        key = claim_key(text)
        if (claim_id is not None and claim_id in seen_ids) or key in seen_texts:
            out.duplicates += 1
            if len(out.problems) < MAX_PROBLEMS:
                first = seen_texts.get(key)
                where = f" as line {first}" if first is not None else ""
                out.problems.append(f"line {lineno}: the same claim{where} again; skipped")
            continue
        if claim_id is not None:
            seen_ids.add(claim_id)
        seen_texts[key] = lineno
        out.claims.append(
            ClaimInput(
                id=claim_id,
                text=text,
                title=get("title"),
                verdict=parse_verdict(get("verdict")) or default_verdict,
                correction=get("correction"),
                source_url=get("source_url"),
            )
        )
    return out

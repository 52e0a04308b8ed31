"""The claims repository (``claims`` table): ``Claim`` models in and out, vectors as float32 bytes, and a
revision that changes with every write. It lives in the store so the claims service never opens a session."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select, update

from assistant.domain.claims import Claim, claim_key
from assistant.store.archive import Archive
from assistant.store.schema import ClaimRow
from assistant.store.versions import CLAIMS_REVISION

REVISION_KEY = CLAIMS_REVISION
_CHUNK = 500
_FIELDS = (
    "text",
    "title",
    "verdict",
    "correction",
    "source_url",
    "refuted_by",
    "origin",
    "origin_ref",
    "added_by",
    "added_at",
    "removed_by",
    "removed_at",
)
_VECTOR_FIELDS = ("encoder", "vector", "title_vector", "correction_vector")


def to_bytes(vector: np.ndarray | None) -> bytes | None:
    return None if vector is None else np.asarray(vector, dtype=np.float32).reshape(-1).tobytes()


def from_bytes(blob: bytes | None, dim: int) -> np.ndarray:
    if not blob:
        return np.zeros(dim, dtype=np.float32)
    v = np.frombuffer(blob, dtype=np.float32)
    return v if v.shape[0] == dim else np.zeros(dim, dtype=np.float32)


@dataclass
class StoredVectors:
    encoder: str
    vector: np.ndarray | None
    title_vector: np.ndarray | None = None
    correction_vector: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class LiveClaim:
    """A live claim as stored, with its vectors as float32 bytes: what the claim matrix is built from."""

    id: str
    text: str
    title: str | None
    verdict: str
    correction: str | None
    source_url: str | None
    refuted_by: str | None
    origin: str | None
    origin_ref: str | None
    added_by: str
    added_at: datetime
    removed_by: str | None
    removed_at: datetime | None
    encoder: str | None
    vector: bytes | None
    title_vector: bytes | None
    correction_vector: bytes | None


def _claim(row: Any) -> Claim:
    """A claim of a row or of selected columns (every text column is NOT NULL; the vectors are left out)."""
    return Claim.model_validate(row, from_attributes=True)


class ClaimStore:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    # Writes ----------------------------------------------------------------------------------------------------
    def upsert(
        self, claims: Sequence[Claim], vectors: dict[str, StoredVectors], *, keep_added: bool = False
    ) -> int:
        """Insert or replace claims (a removed one comes back) with their vectors; one transaction per chunk.

        ``keep_added``: an existing row keeps who added it and when (an import updating a claim it already had)."""
        if not claims:
            return 0
        updated = [
            f for f in _FIELDS if not (keep_added and f in ("added_by", "added_at", "origin", "origin_ref"))
        ]
        stmt = self.archive.upsert(ClaimRow, ["id"], [*updated, *_VECTOR_FIELDS])
        with self.archive._session() as s, s.begin():
            for start in range(0, len(claims), _CHUNK):
                rows = []
                for c in claims[start : start + _CHUNK]:
                    v = vectors.get(c.id)
                    rows.append(
                        {"id": c.id, **{f: getattr(c, f) for f in _FIELDS}}
                        | {
                            "encoder": v.encoder if v else "",
                            "vector": to_bytes(v.vector) if v else None,
                            "title_vector": to_bytes(v.title_vector) if v else None,
                            "correction_vector": to_bytes(v.correction_vector) if v else None,
                        }
                    )
                s.execute(stmt, rows)
        self.bump()
        return len(claims)

    def insert_missing(self, claims: Sequence[Claim], vectors: dict[str, StoredVectors]) -> list[str]:
        """Insert claims whose id is not stored yet (removed ones stay removed); returns the ids inserted."""
        known = self.ids(include_removed=True)
        fresh = [c for c in claims if c.id not in known]
        if fresh:
            self.upsert(fresh, vectors)
        return [c.id for c in fresh]

    def remove(self, claim_id: str, actor: str, at: datetime) -> Claim | None:
        """Mark a live claim removed (the row stays so a seed does not bring it back); None if not live."""
        with self.archive._session() as s, s.begin():
            result = s.execute(
                update(ClaimRow)
                .where(ClaimRow.id == claim_id, ClaimRow.removed_at.is_(None))
                .values(removed_by=actor, removed_at=at)
            )
            if not getattr(result, "rowcount", 0):
                return None
        self.bump()
        return self.get(claim_id, include_removed=True)

    def set_vectors(self, vectors: dict[str, StoredVectors]) -> None:
        with self.archive._session() as s, s.begin():
            for claim_id, v in vectors.items():
                s.execute(
                    update(ClaimRow)
                    .where(ClaimRow.id == claim_id)
                    .values(
                        encoder=v.encoder,
                        vector=to_bytes(v.vector),
                        title_vector=to_bytes(v.title_vector),
                        correction_vector=to_bytes(v.correction_vector),
                    )
                )
        self.bump()

    def bump(self) -> None:
        self.archive.set_state(REVISION_KEY, {"revision": uuid.uuid4().hex})

    # Reads -----------------------------------------------------------------------------------------------------
    def revision(self) -> str:
        return str((self.archive.get_state(REVISION_KEY) or {}).get("revision") or "")

    def get(self, claim_id: str, *, include_removed: bool = False) -> Claim | None:
        with self.archive._session() as s:
            row = s.get(ClaimRow, claim_id)
            if row is None or (row.removed_at is not None and not include_removed):
                return None
            return _claim(row)

    def ids(self, *, include_removed: bool = False) -> set[str]:
        q = select(ClaimRow.id)
        if not include_removed:
            q = q.where(ClaimRow.removed_at.is_(None))
        with self.archive._session() as s:
            return set(s.scalars(q).all())

    def list(
        self,
        *,
        verdict: str | None = None,
        origin: str | None = None,
        include_removed: bool = False,
        limit: int | None = None,
    ) -> list[Claim]:
        cols = [getattr(ClaimRow, f) for f in ("id", *_FIELDS)]
        q = select(*cols).order_by(ClaimRow.added_at, ClaimRow.id)
        if not include_removed:
            q = q.where(ClaimRow.removed_at.is_(None))
        if verdict:
            q = q.where(ClaimRow.verdict == verdict)
        if origin:
            q = q.where(ClaimRow.origin == origin)
        if limit:
            q = q.limit(limit)
        with self.archive._session() as s:
            return [_claim(r) for r in s.execute(q)]

    def count(self, *, include_removed: bool = False) -> int:
        q = select(func.count()).select_from(ClaimRow)
        if not include_removed:
            q = q.where(ClaimRow.removed_at.is_(None))
        with self.archive._session() as s:
            return int(s.scalar(q) or 0)

    def live_rows(self) -> Iterator[LiveClaim]:
        """Every live claim with its vectors (for the matrix), in a stable order."""
        cols = [getattr(ClaimRow, f) for f in ("id", *_FIELDS, *_VECTOR_FIELDS)]
        q = select(*cols).where(ClaimRow.removed_at.is_(None)).order_by(ClaimRow.id)
        with self.archive._session() as s:
            for r in s.execute(q).yield_per(2000):
                yield LiveClaim(**r._mapping)

    def live_keys(self) -> dict[str, str]:
        """``claim_key(text)`` -> id of every live claim (the first id where two share one), to skip duplicates."""
        out: dict[str, str] = {}
        q = (
            select(ClaimRow.id, ClaimRow.text)
            .where(ClaimRow.removed_at.is_(None))
            .order_by(ClaimRow.added_at, ClaimRow.id)
        )
        with self.archive._session() as s:
            for r in s.execute(q):
                out.setdefault(claim_key(r.text), r.id)
        return out

    def stored_signatures(self, ids: Iterable[str]) -> dict[str, tuple[str, str, str, str]]:
        """(text, title, correction, encoder) of stored claims, to skip encoding what did not change."""
        wanted = list(ids)
        out: dict[str, tuple[str, str, str, str]] = {}
        with self.archive._session() as s:
            for start in range(0, len(wanted), _CHUNK):
                q = select(
                    ClaimRow.id, ClaimRow.text, ClaimRow.title, ClaimRow.correction, ClaimRow.encoder
                ).where(ClaimRow.id.in_(wanted[start : start + _CHUNK]))
                for r in s.execute(q):
                    out[r.id] = (r.text, r.title or "", r.correction or "", r.encoder or "")
        return out

    def vectors_of(self, ids: Iterable[str]) -> dict[str, tuple[bytes | None, bytes | None, bytes | None]]:
        wanted = list(ids)
        out: dict[str, tuple[bytes | None, bytes | None, bytes | None]] = {}
        with self.archive._session() as s:
            for start in range(0, len(wanted), _CHUNK):
                q = select(ClaimRow.id, ClaimRow.vector, ClaimRow.title_vector, ClaimRow.correction_vector).where(
                    ClaimRow.id.in_(wanted[start : start + _CHUNK])
                )
                for r in s.execute(q):
                    out[r.id] = (r.vector, r.title_vector, r.correction_vector)
        return out

"""The confirmed repeats repository (``claim_repeats`` table): messages confirmed to repeat a claim, with their
vectors. Every write moves the claims' revision, so the cached claim matrix is rebuilt with them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import or_, select, update

from assistant.domain.claims import claim_key
from assistant.store.archive import Archive
from assistant.store.claims import ClaimStore, to_bytes
from assistant.store.schema import ClaimRepeatRow, ClaimRow

_CHUNK = 500


def repeat_key(text: str) -> str:
    """One example per wording and claim: the claim key of the text (case, quotes, punctuation ignored), hashed."""
    return hashlib.blake2b(claim_key(text).encode("utf-8"), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class ConfirmedRepeat:
    """A message (or an imported example) confirmed to repeat a claim."""

    claim_id: str
    text: str
    origin: str
    added_by: str
    added_at: datetime
    channel_id: str = ""
    ts: str = ""
    origin_ref: str = ""


@dataclass(frozen=True, slots=True)
class LiveRepeat:
    """A confirmed repeat of a live claim, with its vector bytes: what the claim matrix reads."""

    id: int
    claim_id: str
    text: str
    encoder: str
    vector: bytes | None


class RepeatStore:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.claims = ClaimStore(archive)

    def add(self, repeats: Sequence[ConfirmedRepeat], vectors: Sequence[np.ndarray], encoder: str) -> int:
        """Insert repeats not stored yet (same claim and wording: kept once); returns how many were new."""
        if not repeats:
            return 0
        # ON CONFLICT DO NOTHING ... RETURNING: only rows inserted here come back, not those already stored
        stmt = self.archive.upsert(ClaimRepeatRow, ["claim_id", "key"], []).returning(ClaimRepeatRow.id)
        fresh = 0
        with self.archive._session() as s, s.begin():
            for start in range(0, len(repeats), _CHUNK):
                rows = [
                    {
                        "claim_id": r.claim_id,
                        "text": r.text,
                        "key": repeat_key(r.text),
                        "channel_id": r.channel_id,
                        "ts": r.ts,
                        "origin": r.origin,
                        "origin_ref": r.origin_ref[:255],
                        "added_by": r.added_by,
                        "added_at": r.added_at,
                        "encoder": encoder,
                        "vector": to_bytes(v),
                    }
                    for r, v in zip(repeats[start : start + _CHUNK], vectors[start : start + _CHUNK], strict=True)
                ]
                fresh += len(s.execute(stmt, rows).all())
        if fresh:
            self.claims.bump()
        return fresh

    def set_vectors(self, vectors: dict[int, np.ndarray], encoder: str) -> None:
        with self.archive._session() as s, s.begin():
            for repeat_id, v in vectors.items():
                s.execute(
                    update(ClaimRepeatRow)
                    .where(ClaimRepeatRow.id == repeat_id)
                    .values(encoder=encoder, vector=to_bytes(v))
                )
        self.claims.bump()

    def stale(self, encoder: str) -> list[tuple[int, str]]:
        """(id, text) of the repeats without a vector from ``encoder`` (stored by another encoder, or none)."""
        q = select(ClaimRepeatRow.id, ClaimRepeatRow.text).where(
            or_(ClaimRepeatRow.encoder != encoder, ClaimRepeatRow.vector.is_(None))
        )
        with self.archive._session() as s:
            return [(int(i), str(t)) for i, t in s.execute(q)]

    def live(self) -> Iterator[LiveRepeat]:
        """The repeats of live claims, in a stable order (a removed claim's repeats stay stored but unread)."""
        q = (
            select(
                ClaimRepeatRow.id,
                ClaimRepeatRow.claim_id,
                ClaimRepeatRow.text,
                ClaimRepeatRow.encoder,
                ClaimRepeatRow.vector,
            )
            .join(ClaimRow, ClaimRow.id == ClaimRepeatRow.claim_id)
            .where(ClaimRow.removed_at.is_(None))
            .order_by(ClaimRepeatRow.id)
        )
        with self.archive._session() as s:
            for r in s.execute(q).yield_per(2000):
                yield LiveRepeat(**r._mapping)

    def of_claim(self, claim_id: str) -> list[ConfirmedRepeat]:
        q = (
            select(ClaimRepeatRow)
            .where(ClaimRepeatRow.claim_id == claim_id)
            .order_by(ClaimRepeatRow.added_at, ClaimRepeatRow.id)
        )
        with self.archive._session() as s:
            return [
                ConfirmedRepeat(
                    claim_id=r.claim_id,
                    text=r.text,
                    origin=r.origin,
                    added_by=r.added_by,
                    added_at=r.added_at,
                    channel_id=r.channel_id,
                    ts=r.ts,
                    origin_ref=r.origin_ref,
                )
                for r in s.scalars(q)
            ]

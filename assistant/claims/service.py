"""Adding, removing and importing claims (audited), seeding them from the knowledge folder, the cached claim
matrix the judgment engine ranks, and the earlier messages that repeat a claim."""

from __future__ import annotations

import builtins
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.claims.guard import spared
from assistant.claims.importer import MAX_PROBLEMS, read_claims
from assistant.claims.matrix import ClaimMatrix
from assistant.claims.models import Claim, ClaimInput, Verdict, claim_key, normalize_text
from assistant.claims.repeats import RepeatsService
from assistant.claims.reports import ImportReport, Repeat
from assistant.clock import Clock, system_clock
from assistant.domain import AuditEvent
from assistant.errors import AssistantError, NotFoundError
from assistant.store.claims import ClaimStore, StoredVectors, from_bytes

if TYPE_CHECKING:
    from assistant.encoder import Encoder
    from assistant.knowledge import Knowledge
    from assistant.store import Archive, Index

logger = logging.getLogger(__name__)

#: How often the matrix asks the archive whether another process changed the claims (changes made through this
#: service are seen at once).
REFRESH_SECONDS = 30.0
SEED_ACTOR = "assistant:knowledge"
#: Earlier messages looked at when a claim is taught (nearest first in the index).
REPEAT_CANDIDATES = 50


class ClaimsService:
    def __init__(self, archive: Archive, encoder: Encoder, *, clock: Clock = system_clock) -> None:
        self.archive = archive
        self.encoder = encoder
        self.clock = clock
        self.store = ClaimStore(archive)
        #: Held while claims or their repeats are written and while the matrix is rebuilt.
        self.lock = threading.RLock()
        self._matrix: ClaimMatrix | None = None
        self._checked = 0.0
        self.confirmed = RepeatsService(self)

    def invalidate(self) -> None:
        """This process changed the claims or their repeats: the next ``matrix()`` is rebuilt."""
        self._matrix = None

    @property
    def encoder_version(self) -> str:
        return str(getattr(self.encoder, "version", "") or "")

    # Changes (audited) -----------------------------------------------------------------------------------------
    def add(
        self, claim: ClaimInput, actor: str, *, origin: str = "cli", origin_ref: str = "", reason: str = ""
    ) -> Claim:
        """Add (or replace) one claim, encode it, and record who did it."""
        text = normalize_text(claim.text)
        if not text:
            raise AssistantError("A claim needs its text.")
        stored = Claim(
            id=claim.claim_id(),
            text=text,
            title=normalize_text(claim.title),
            verdict=claim.verdict,
            correction=normalize_text(claim.correction),
            source_url=claim.source_url.strip(),
            refuted_by=claim.refuted_by,
            origin=origin,
            origin_ref=origin_ref,
            added_by=actor,
            added_at=self.clock(),
        )
        with self.lock:
            vectors = self._encode([stored], titles=True)
            self.store.upsert([stored], vectors)
            self.audit(
                actor,
                "claim_added",
                stored.id,
                reason,
                verdict=stored.verdict,
                text=stored.text,
                correction=stored.correction,
                source_url=stored.source_url,
                origin=origin,
                origin_ref=origin_ref,
            )
            self.invalidate()
        return stored

    def remove(self, claim_id: str, actor: str, *, reason: str = "") -> Claim:
        with self.lock:
            removed = self.store.remove(claim_id, actor, self.clock())
            if removed is None:
                raise NotFoundError(f"No claim {claim_id!r} is in the claims store.")
            self.audit(actor, "claim_removed", claim_id, reason, verdict=removed.verdict, text=removed.text)
            self.invalidate()
        return removed

    def import_file(
        self,
        path: Path,
        actor: str,
        *,
        default_verdict: Verdict = "unproven",
        mapping: dict[str, str] | None = None,
        id_prefix: str | None = None,
        encode_titles: bool = True,
    ) -> ImportReport:
        """Import a CSV/TSV/JSONL file of fact-checks; claims already stored unchanged are not encoded again.

        Headlines always count for BM25; ``encode_titles`` (the default) also encodes them, and the headline's
        cosine joins the ranking (``assistant.claims.matrix``; a claim stored without its headline's vector is
        encoded again)."""
        started = time.perf_counter()
        prefix = f"{_slug(path.stem)}-" if id_prefix is None else id_prefix
        read = read_claims(path, default_verdict=default_verdict, mapping=mapping, id_prefix=prefix)
        report = ImportReport(
            file=path.name,
            rows=read.rows,
            problems=read.problems,
            columns=read.columns,
            duplicates=read.duplicates,
        )
        now = self.clock()
        claims = [
            Claim(
                id=c.claim_id(),
                text=c.text,
                title=c.title,
                verdict=c.verdict,
                correction=c.correction,
                source_url=c.source_url,
                origin="import",
                origin_ref=path.name,
                added_by=actor,
                added_at=now,
            )
            for c in read.claims
        ]
        with self.lock:
            stored = self.store.live_keys()
            kept = [c for c in claims if stored.get(claim_key(c.text), c.id) == c.id]
            if len(kept) < len(claims):
                report.duplicates += len(claims) - len(kept)
                skipped = [c for c in claims if stored.get(claim_key(c.text), c.id) != c.id]
                for c in skipped[: max(0, MAX_PROBLEMS - len(report.problems))]:
                    report.problems.append(f"{c.id}: the same claim as {stored[claim_key(c.text)]}; skipped")
                claims = kept
            known = self.store.stored_signatures(c.id for c in claims)
            version = self.encoder_version
            same = {
                c.id
                for c in claims
                if known.get(c.id) == (c.text, c.title, c.correction, version) and c.id in known
            }
            stored_vectors = self.store.vectors_of(same) if same else {}
            if encode_titles:  # stored before its headline was encoded: encode it again
                titled = {c.id for c in claims if c.title}
                same -= {i for i, (_, t, _) in stored_vectors.items() if i in titled and not t}
            fresh = [c for c in claims if c.id not in same]
            vectors = self._encode(fresh, titles=encode_titles)
            dim = self.encoder.dim
            for claim_id, (v, t, k) in stored_vectors.items():
                if claim_id in same:
                    vectors[claim_id] = StoredVectors(
                        version,
                        from_bytes(v, dim),
                        from_bytes(t, dim) if t else None,
                        from_bytes(k, dim) if k else None,
                    )
            self.store.upsert(claims, vectors, keep_added=True)
            report.added = sum(1 for c in claims if c.id not in known)
            report.updated = len(fresh) - report.added
            report.unchanged = len(same)
            report.encoded = len(fresh)
            report.seconds = round(time.perf_counter() - started, 2)
            self.audit(
                actor,
                "claims_imported",
                f"file:{path.name}",
                "",
                added=report.added,
                updated=report.updated,
                unchanged=report.unchanged,
                default_verdict=default_verdict,
                ids=[c.id for c in claims],
            )
            self.invalidate()
        return report

    def seed(self, knowledge: Knowledge) -> list[str]:
        """The knowledge folder's false claims, added once (a claim removed since stays removed); audited."""
        now = self.clock()
        claims = []
        for c in knowledge.claims:
            fact = knowledge.fact(c.refuted_by)
            claims.append(
                Claim(
                    id=c.id,
                    text=normalize_text(c.claim),
                    verdict="false",
                    correction=fact.text if fact else c.note,
                    refuted_by=c.refuted_by if fact else "",
                    origin="knowledge",
                    origin_ref="false_claims.jsonl",
                    added_by=SEED_ACTOR,
                    added_at=now,
                )
            )
        with self.lock:
            known = self.store.ids(include_removed=True)
            fresh = [c for c in claims if c.id not in known]
            if not fresh:
                return []
            added = self.store.insert_missing(fresh, self._encode(fresh))
            if added:
                self.audit(SEED_ACTOR, "claims_seeded", "knowledge:false_claims.jsonl", "", ids=added)
                self.invalidate()
        return added

    # Reads -----------------------------------------------------------------------------------------------------
    def get(self, claim_id: str) -> Claim:
        found = self.store.get(claim_id)
        if found is None:
            raise NotFoundError(f"No claim {claim_id!r} is in the claims store.")
        return found

    def list(self, *, verdict: str | None = None, limit: int | None = None) -> list[Claim]:
        return self.store.list(verdict=verdict, limit=limit)

    def matrix(self) -> ClaimMatrix:
        """The live claims as a matrix, rebuilt when they changed (here at once; elsewhere within
        ``REFRESH_SECONDS``). Claims encoded by another encoder are encoded again (and stored)."""
        now = time.monotonic()
        current = self._matrix
        if current is not None and now - self._checked < REFRESH_SECONDS:
            return current
        with self.lock:
            self._checked = now
            revision = self.store.revision()
            if self._matrix is not None and self._matrix.revision == revision and revision:
                return self._matrix
            self._matrix = self._build(revision)
            return self._matrix

    def _build(self, revision: str) -> ClaimMatrix:
        dim = self.encoder.dim
        version = self.encoder_version
        rows = list(self.store.live_rows())
        stale = [r for r in rows if r.encoder != version or r.vector is None]
        if stale:
            claims = [
                Claim(
                    id=r.id,
                    text=r.text,
                    title=r.title or "",
                    correction=r.correction or "",
                    added_by=r.added_by,
                    added_at=r.added_at,
                )
                for r in stale
            ]
            titled = {r.id for r in stale if r.title_vector is not None}
            logger.info("claims: encoding %d claims stored by another encoder", len(claims))
            fresh = self._encode([c for c in claims if c.id not in titled])
            fresh.update(self._encode([c for c in claims if c.id in titled], titles=True))
            self.store.set_vectors(fresh)
            rows = list(self.store.live_rows())
        if self.confirmed.encode_stale(version) or stale:  # vectors written: the revision moved
            revision = self.store.revision()
        if not rows:
            matrix = ClaimMatrix.empty(dim)
            matrix.revision = revision
            return matrix
        repeats, repeat_rows = self.confirmed.vectors({r.id: i for i, r in enumerate(rows)}, dim)
        return ClaimMatrix.build(
            ids=[r.id for r in rows],
            texts=[r.text for r in rows],
            titles=[r.title or "" for r in rows],
            verdicts=[r.verdict for r in rows],
            corrections=[r.correction or "" for r in rows],
            source_urls=[r.source_url or "" for r in rows],
            refuted_by=[r.refuted_by or "" for r in rows],
            claims=np.stack([from_bytes(r.vector, dim) for r in rows]),
            title_vectors=np.stack([from_bytes(r.title_vector, dim) for r in rows]),
            correction_vectors=np.stack([from_bytes(r.correction_vector, dim) for r in rows]),
            revision=revision,
            repeat_vectors=repeats,
            repeat_rows=repeat_rows,
        )

    def repeats(
        self, claim: Claim, index: Index, *, min_similarity: float, limit: int = REPEAT_CANDIDATES
    ) -> builtins.list[Repeat]:
        """Earlier messages in the index that repeat ``claim`` (the same test live messages pass), newest first."""
        vectors = self._encode([claim])[claim.id]
        assert vectors.vector is not None
        hits = index.search_messages(vectors.vector, k=limit)
        out: builtins.list[Repeat] = []
        for hit in hits:
            if hit.similarity < min_similarity or not hit.channel_id or not hit.ts:
                continue
            correction_similarity = None
            if vectors.correction_vector is not None:
                found = index.message_vectors([hit.id]).get(hit.id)
                if found is not None:
                    correction_similarity = float(found @ vectors.correction_vector)
            if spared(hit.text, claim.text, claim.correction, hit.similarity, correction_similarity):
                continue
            out.append(Repeat(channel_id=hit.channel_id, ts=hit.ts, text=hit.text, similarity=hit.similarity))
        return sorted(out, key=lambda r: -r.time)

    # Internals -------------------------------------------------------------------------------------------------
    def _encode(self, claims: Sequence[Claim], *, titles: bool = False) -> dict[str, StoredVectors]:
        """Vectors of each claim's text and correction (and headline, if asked), in one encoder call."""
        if not claims:
            return {}
        texts: list[str] = []
        slots: list[tuple[int, int, int]] = []
        for c in claims:
            t = len(texts)
            texts.append(c.text)
            h = k = -1
            if c.title and titles:
                h = len(texts)
                texts.append(c.title)
            if c.correction:
                k = len(texts)
                texts.append(c.correction)
            slots.append((t, h, k))
        vectors = self.encoder.encode(texts).vectors
        version = self.encoder_version
        return {
            c.id: StoredVectors(
                version,
                vectors[t],
                vectors[h] if h >= 0 else None,
                vectors[k] if k >= 0 else None,
            )
            for c, (t, h, k) in zip(claims, slots, strict=True)
        }

    def audit(self, actor: str, action: str, target: str, reason: str, **details: Any) -> None:
        """One audit event about a claim (``claim:<id>``), a file or the seed (``file:``/``knowledge:``)."""
        self.archive.append_audit(
            AuditEvent(
                at=self.clock(),
                actor=actor,
                action=action,
                target=target if target.startswith(("file:", "knowledge:")) else f"claim:{target}",
                reason=reason,
                details=details,
            )
        )


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")[:40] or "import"

"""Confirmed repeats: messages known to repeat a claim, which the matcher then reads beside the claim's own text.

Misinformation in a community is mostly the same few rumours coming back, worded the way its members word them. A
confirmed repeat comes from a moderator acting on a claim flag (warn, remove or escalate: the message did repeat
the claim; dismiss and false positive teach nothing) or from a labelled file (``assistant claims repeats
import``: a text column and the claim id(s) it repeats, e.g. CheckThat!'s tweets). Its vector joins the claim
matrix: a claim's dense similarity is the best of its own text's and its repeats' cosines
(``ClaimMatrix.dense``), so the next message worded like an earlier repeat is found even where it shares few words
with the claim. Measured on CheckThat! 2020 (the 800 train tweets imported as repeats, dev ranked): see
MODEL_CARD.md.

A repeat keeps its message's text (to be encoded again when the encoder changes) until retention deletes the
message, as the flag's excerpt does; a removed claim's repeats stay stored but are not read.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.claims.importer import MAX_PROBLEMS, records, resolve_columns
from assistant.claims.models import normalize_text
from assistant.domain.records import ModerationActionKind
from assistant.errors import AssistantError, NotFoundError
from assistant.store.claim_repeats import ConfirmedRepeat, RepeatStore
from assistant.store.claims import from_bytes

if TYPE_CHECKING:
    from assistant.claims.service import ClaimsService
    from assistant.domain.moderation import FlagRecord

logger = logging.getLogger(__name__)

#: Moderator actions that confirm a flagged message repeats the claim it was matched to.
CONFIRMING = frozenset({ModerationActionKind.WARN, ModerationActionKind.REMOVE, ModerationActionKind.ESCALATE})
#: Columns of a repeats file (case, spaces and dashes ignored), first found wins; ``mapping`` overrides them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("text", "message", "tweet", "post"),
    "claim_id": ("claim_id", "claim_ids", "claim", "gold"),
}
#: A row naming several claims separates their ids with one of these.
_ID_SEPARATORS = (";", "|", ",")


@dataclass
class RepeatImportReport:
    file: str
    rows: int = 0
    added: int = 0
    #: (claim, wording) pairs already stored.
    known: int = 0
    #: Claim ids the store does not hold live (never imported, removed, or skipped as a duplicate claim).
    unknown_claims: int = 0
    problems: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def confirms(flag: FlagRecord, kind: ModerationActionKind) -> bool:
    """Whether this action on this flag says the message repeats the claim it was matched to (if any)."""
    return kind in CONFIRMING and "misinformation" in {flag.judgment, *flag.crossed}


def _ids(value: str, prefix: str) -> list[str]:
    for sep in _ID_SEPARATORS:
        if sep in value:
            return [f"{prefix}{v.strip()}" for v in value.split(sep) if v.strip()]
    return [f"{prefix}{value.strip()}"] if value.strip() else []


class RepeatsService:
    """Confirms, imports and reads the confirmed repeats of the claims in ``claims`` (audited)."""

    def __init__(self, claims: ClaimsService) -> None:
        self.claims = claims
        self.store = RepeatStore(claims.archive)

    def confirm(
        self,
        claim_id: str,
        text: str,
        actor: str,
        *,
        channel_id: str = "",
        ts: str = "",
        origin: str = "moderation",
        origin_ref: str = "",
    ) -> bool:
        """Record that ``text`` repeats the live claim ``claim_id``; False when that wording was already known."""
        text = normalize_text(text)
        if not text:
            raise AssistantError("A confirmed repeat needs the message's text.")
        self.claims.get(claim_id)  # NotFoundError for a claim that is not live
        repeat = ConfirmedRepeat(
            claim_id=claim_id,
            text=text,
            origin=origin,
            origin_ref=origin_ref,
            added_by=actor,
            added_at=self.claims.clock(),
            channel_id=channel_id,
            ts=ts,
        )
        added = self._add([repeat]) == 1
        if added:
            self.claims.audit(
                actor,
                "claim_repeat_confirmed",
                claim_id,
                "",
                origin=origin,
                origin_ref=origin_ref,
                channel_id=channel_id,
                ts=ts,
            )
        return added

    def import_file(
        self, path: Path, actor: str, *, id_prefix: str = "", mapping: dict[str, str] | None = None
    ) -> RepeatImportReport:
        """Import labelled repeats from a CSV/TSV/JSONL file: a text column and the claim id(s) each row repeats
        (``id_prefix`` is what ``claims import --id-prefix`` put before the file's claim ids)."""
        started = time.perf_counter()
        report = RepeatImportReport(file=path.name)
        live = self.claims.store.ids()
        now = self.claims.clock()
        repeats: list[ConfirmedRepeat] = []
        for lineno, record in records(path):
            report.rows += 1
            columns = resolve_columns(list(record), mapping or {}, COLUMNS)
            if "text" not in columns or "claim_id" not in columns:
                raise AssistantError(
                    f"{path.name} needs a text column and a claim id column (claim_id or claim_ids), "
                    "or --map text=COLUMN --map claim_id=COLUMN."
                )
            report.columns = report.columns or dict(columns)
            text = normalize_text(str(record.get(columns["text"]) or ""))
            ids = _ids(str(record.get(columns["claim_id"]) or ""), id_prefix)
            if not text or not ids:
                if len(report.problems) < MAX_PROBLEMS:
                    report.problems.append(f"line {lineno}: no text or no claim id; skipped")
                continue
            for claim_id in ids:
                if claim_id not in live:
                    report.unknown_claims += 1
                    if len(report.problems) < MAX_PROBLEMS:
                        report.problems.append(f"line {lineno}: no live claim {claim_id!r}; skipped")
                    continue
                repeats.append(
                    ConfirmedRepeat(
                        claim_id=claim_id,
                        text=text,
                        origin="import",
                        origin_ref=path.name,
                        added_by=actor,
                        added_at=now,
                    )
                )
        report.added = self._add(repeats)
        report.known = len(repeats) - report.added
        report.seconds = round(time.perf_counter() - started, 2)
        self.claims.audit(
            actor,
            "claim_repeats_imported",
            f"file:{path.name}",
            "",
            added=report.added,
            known=report.known,
            unknown_claims=report.unknown_claims,
        )
        return report

    def of_claim(self, claim_id: str) -> list[ConfirmedRepeat]:
        """A live claim's confirmed repeats, oldest first (``NotFoundError`` for a claim that is not live)."""
        return self.store.of_claim(self.claims.get(claim_id).id)

    def on_action(self, flag: FlagRecord, kind: ModerationActionKind, actor: str) -> None:
        """A moderator's action on a flag: warn, remove or escalate of a message matched to a claim confirms it
        as a repeat of that claim. Never fails the action: a message or claim gone since is logged and skipped."""
        if not confirms(flag, kind):
            return
        archive = self.claims.archive
        judgment = archive.judgment(flag.channel_id, flag.ts)
        matched = judgment.misinformation.matched_claim if judgment is not None else None
        message = archive.find_message(flag.channel_id, flag.ts)
        if matched is None or message is None or not message.text.strip():
            return
        try:
            self.confirm(
                matched.id,
                message.text,
                actor,
                channel_id=flag.channel_id,
                ts=flag.ts,
                origin="moderation",
                origin_ref=f"flag:{flag.id}",
            )
        except (NotFoundError, AssistantError) as exc:
            logger.info("flag %s: not kept as a repeat of %s: %s", flag.id, matched.id, exc)

    def encode_stale(self, version: str) -> bool:
        """Encode again (and store) the repeats encoded by another encoder than ``version``; whether any were."""
        stale = self.store.stale(version)
        if stale:
            logger.info("claims: encoding %d confirmed repeats stored by another encoder", len(stale))
            vectors = self.claims.encoder.encode([text for _, text in stale]).vectors
            self.store.set_vectors(dict(zip((i for i, _ in stale), vectors, strict=True)), version)
        return bool(stale)

    def vectors(self, row_of: dict[str, int], dim: int) -> tuple[np.ndarray | None, list[int]]:
        """The live claims' confirmed repeats as a [m, dim] matrix and the claim row (``row_of``) of each."""
        rows = [r for r in self.store.live() if r.claim_id in row_of]
        if not rows:
            return None, []
        return np.stack([from_bytes(r.vector, dim) for r in rows]), [row_of[r.claim_id] for r in rows]

    def _add(self, repeats: list[ConfirmedRepeat]) -> int:
        if not repeats:
            return 0
        with self.claims.lock:
            vectors = self.claims.encoder.encode([r.text for r in repeats]).vectors
            added = self.store.add(repeats, list(vectors), self.claims.encoder_version)
            self.claims.invalidate()
        return added

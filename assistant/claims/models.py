"""What a claim is: kept here for the claims package's importers; the models live in ``assistant.domain.claims``
(shared with the store's claims repository, which sits below this package)."""

from __future__ import annotations

from assistant.domain.claims import (
    ALERTING_VERDICTS,
    VERDICTS,
    Claim,
    ClaimInput,
    Verdict,
    claim_id_for,
    claim_key,
    normalize_text,
    parse_verdict,
)

__all__ = [
    "ALERTING_VERDICTS",
    "VERDICTS",
    "Claim",
    "ClaimInput",
    "Verdict",
    "claim_id_for",
    "claim_key",
    "normalize_text",
    "parse_verdict",
]

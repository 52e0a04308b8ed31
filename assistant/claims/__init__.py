"""The claims store: fact-checked claims (verdict, correction, source) the assistant matches messages against.

Claims live in the archive (``claims`` table, with their vectors); the knowledge folder's ``false_claims.jsonl`` is
their seed. ``ClaimsService`` adds, removes (both audited) and imports them; ``ClaimMatrix`` is the cached matrix
the judgment engine ranks them with.
"""

from __future__ import annotations

from assistant.claims.matrix import ClaimMatrix
from assistant.claims.models import ALERTING_VERDICTS, VERDICTS, Claim, Verdict
from assistant.claims.service import ClaimsService, ImportReport, Repeat

__all__ = [
    "ALERTING_VERDICTS",
    "VERDICTS",
    "Claim",
    "ClaimMatrix",
    "ClaimsService",
    "ImportReport",
    "Repeat",
    "Verdict",
]

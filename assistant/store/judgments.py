"""The judgments repository: each message's latest judgment (re-judged on edit), the other half of the messages
aggregate. Saving one updates the moods and wants of the insight aggregates (``aggregates.judged``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Text, cast, select

from assistant.domain import Judgment
from assistant.store import aggregates
from assistant.store.base import ArchiveBase
from assistant.store.schema import JudgmentRow


class JudgmentRepository(ArchiveBase):
    """Judgments by ``(channel_id, ts)``."""

    # Judgments --------------------------------------------------------------------------------------------------
    def save_judgments(self, judgments: Iterable[Judgment]) -> None:
        judgments = list(judgments)
        rows = {
            (j.channel_id, j.ts): {
                "channel_id": j.channel_id,
                "ts": j.ts,
                "toxicity": j.toxicity.score,
                "misinformation": j.misinformation.score,
                "negative": j.sentiment.probs.get("negative", 0.0),
                "want": j.want.score,
                "sentiment": j.sentiment.label,
                "payload": j.model_dump(mode="json"),
                "model_version": j.model_version,
            }
            for j in judgments
        }
        if not rows:
            return
        columns = [k for k in next(iter(rows.values())) if k not in ("channel_id", "ts")]
        with self._session() as s, s.begin():
            s.execute(self.upsert(JudgmentRow, ["channel_id", "ts"], columns), list(rows.values()))
            verdicts = {
                (j.channel_id, j.ts): (
                    label := j.sentiment.mood_label,
                    float(j.sentiment.probs.get(label, 0.0)),
                    j.want.score,
                    j.want.is_want,
                )
                for j in judgments
            }
            aggregates.judged(s.connection(), verdicts)  # a judgment changes the moods and wants only

    def judgment(self, channel_id: str, ts: str) -> Judgment | None:
        with self._session() as s:
            row = s.get(JudgmentRow, (channel_id, ts))
            return Judgment.model_validate(row.payload) if row else None

    def judgments(self, channel_id: str | None = None) -> dict[tuple[str, str], Judgment]:
        # the payload as JSON text, parsed and validated in one step by pydantic (snapshots read every judgment)
        q = select(JudgmentRow.channel_id, JudgmentRow.ts, cast(JudgmentRow.payload, Text))
        if channel_id:
            q = q.where(JudgmentRow.channel_id == channel_id)
        with self._session() as s:
            return {
                (cid, ts): Judgment.model_validate_json(payload)
                for cid, ts, payload in s.execute(q).yield_per(1000)
            }

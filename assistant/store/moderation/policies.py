"""Repository over ``moderation_policies``: one ``PolicyOverride`` per channel (``*`` = the workspace)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from assistant.domain.moderation import PolicyOverride
from assistant.store.moderation.tables import PolicyRow

if TYPE_CHECKING:
    from assistant.store.archive import Archive


class PolicyOverrides:
    """Reads and writes the policy overrides moderators set; resolving them is moderation's business."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def get(self, channel_id: str) -> PolicyOverride:
        with self.archive._session() as s:
            row = s.get(PolicyRow, channel_id)
            return PolicyOverride.model_validate(row.payload) if row else PolicyOverride()

    def all(self) -> dict[str, PolicyOverride]:
        with self.archive._session() as s:
            return {r.channel_id: PolicyOverride.model_validate(r.payload) for r in s.scalars(select(PolicyRow))}

    def save(self, channel_id: str, override: PolicyOverride) -> None:
        with self.archive._session() as s, s.begin():
            s.execute(
                self.archive.upsert(PolicyRow, ["channel_id"], ["payload", "updated_at"]),
                {
                    "channel_id": channel_id,
                    "payload": override.model_dump(mode="json"),
                    "updated_at": datetime.now(UTC),
                },
            )

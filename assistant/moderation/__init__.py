"""Moderation core (no Slack imports, no SQL): policy, flags with evidence, actions, audit, calibration, replay.

``ModerationService`` is a facade over small services (flagging, actions, policy changes, replay, reporting; see
``assistant.moderation.service``); their records are kept by ``assistant.store.moderation``. It is imported on
first use and loads the index and the judgment engine only when they are needed, so the CLI's policy and audit
commands start without loading models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.moderation.gateway import ModerationGateway
from assistant.moderation.models import (
    ActionOutcome,
    Alert,
    CalibrationReport,
    ChannelPolicy,
    ClauseRef,
    DailyVolume,
    FlagRecord,
    ReplayReport,
)

if TYPE_CHECKING:
    from assistant.moderation.service import ModerationService

__all__ = [
    "ActionOutcome",
    "Alert",
    "CalibrationReport",
    "ChannelPolicy",
    "ClauseRef",
    "DailyVolume",
    "FlagRecord",
    "ModerationGateway",
    "ModerationService",
    "ReplayReport",
]


def __getattr__(name: str) -> Any:
    if name == "ModerationService":
        from assistant.moderation.service import ModerationService

        return ModerationService
    raise AttributeError(f"module 'assistant.moderation' has no attribute {name!r}")

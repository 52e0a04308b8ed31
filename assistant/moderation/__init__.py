"""Moderation core (no Slack imports): policy, flags with evidence, actions, audit, calibration, replay.

``ModerationService`` (which needs the index and the judgment engine) is imported on first use, so the CLI's
policy and audit commands start without loading models.
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

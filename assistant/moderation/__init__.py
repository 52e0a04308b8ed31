"""Moderation core (no Slack imports): policy, flags with evidence, actions, audit, calibration, replay."""

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

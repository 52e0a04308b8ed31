"""The core services the Slack app calls, as the interfaces it relies on, fetched from the ``Context``.

A listener asks for a service here; if this installation lacks it, the person gets one clear sentence
instead of a stack trace, and the rest of the app keeps working.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, cast

from assistant.context import Context
from assistant.domain import Summary
from assistant.domain.records import ModerationActionKind
from assistant.errors import ConfigError
from assistant.insights.models import Answer, ChannelHealth
from assistant.moderation.models import ActionOutcome, Alert, ChannelPolicy, FlagRecord, ReplayReport
from assistant.pipeline import ProcessedBatch
from assistant.summaries.models import ChannelRecap


class Moderation(Protocol):
    def handle(self, batch: ProcessedBatch) -> list[Alert]: ...
    def act(self, flag_id: int, kind: ModerationActionKind, actor_id: str, note: str = "") -> ActionOutcome: ...
    def on_deleted(self, channel_id: str, ts: str) -> FlagRecord | None: ...
    def is_moderator(self, user_id: str | None) -> bool: ...
    def alert(self, alert_id: int, *, is_update: bool = False) -> Alert: ...
    def flags(self, channel_ref: str | None = None, *, since_days: float | None = None) -> list[FlagRecord]: ...
    def policy(self, channel_ref: str | None = None) -> ChannelPolicy: ...
    def set_policy(
        self, channel_ref: str | None, actor_id: str, *, reason: str = "", **changes: Any
    ) -> ChannelPolicy: ...
    def replay(
        self,
        channel: str | None = None,
        since_days: float | None = None,
        overrides: dict[str, float] | None = None,
    ) -> ReplayReport: ...
    def attach_gateway(self, gateway: Any) -> None: ...
    def delete_older_than(self, cutoff: datetime) -> int: ...


class QuestionAnswering(Protocol):
    def ask(
        self, question: str, channel: str | None = None, visible_channel_ids: set[str] | None = None
    ) -> Answer: ...


class Summaries(Protocol):
    def thread(self, channel_id: str, thread_ts: str, visible_channel_ids: set[str] | None = None) -> Summary: ...
    def recap(
        self,
        channel: str,
        since: datetime,
        until: datetime | None = None,
        visible_channel_ids: set[str] | None = None,
    ) -> ChannelRecap: ...


class Insights(Protocol):
    def channel_health(self, channel_id: str) -> ChannelHealth: ...


_MISSING = {
    "moderation": "Moderation is not set up in this installation, so alerts and moderation actions are off.",
    "qa": "Question answering is not available in this installation yet.",
    "summaries": "Summaries are not available in this installation yet.",
    "insights": "Channel insights are not available in this installation yet.",
}


def _service(ctx: Context, name: str) -> Any:
    try:
        service = getattr(ctx, name)
    except (AttributeError, ImportError):
        service = None
    if service is None:
        raise ConfigError(_MISSING[name])
    return service


def moderation(ctx: Context) -> Moderation:
    return cast(Moderation, _service(ctx, "moderation"))


def qa(ctx: Context) -> QuestionAnswering:
    return cast(QuestionAnswering, _service(ctx, "qa"))


def summaries(ctx: Context) -> Summaries:
    return cast(Summaries, _service(ctx, "summaries"))


def insights(ctx: Context) -> Insights:
    return cast(Insights, _service(ctx, "insights"))


def has(ctx: Context, name: str) -> bool:
    try:
        _service(ctx, name)
    except ConfigError:
        return False
    return True

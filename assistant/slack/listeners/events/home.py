"""``app_home_opened`` -> the Home tab: the health of each channel the viewer can see, and for managers the
milestones of the past 30 days."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError as SdkApiError
from slack_sdk.models.views import View

from assistant.domain.records import FlagStatus
from assistant.errors import AssistantError
from assistant.insights.models import ChannelHealth, Milestone
from assistant.slack.blocks.home import home_blocks
from assistant.slack.runtime import SlackRuntime
from assistant.slack.web import error_code

logger = logging.getLogger(__name__)

MAX_CHANNELS = 20


def register(app: App, runtime: SlackRuntime) -> None:
    def on_home(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            publish_home(runtime, str(event["user"]))

    app.event("app_home_opened")(on_home)


def publish_home(runtime: SlackRuntime, user_id: str) -> None:
    healths: list[ChannelHealth] = []
    problems: list[str] = []
    celebrate: list[Milestone] = []
    try:
        insights = runtime.ctx.insights
        visible = runtime.visibility.visible_to(user_id)
        channels = [c for c in runtime.ctx.archive.channels() if c.id in visible and not c.is_archived]
        moderation = runtime.ctx.moderation
        now = runtime.ctx.clock()  # the past 7 days up to now, not up to the newest stored message
        for channel in channels[:MAX_CHANNELS]:
            health = insights.channel_health(channel.id, at=now)
            if moderation is not None:
                open_flags = [
                    f for f in moderation.flags(channel.id) if f.status == FlagStatus.OPEN and not f.shadow
                ]
                health = health.model_copy(update={"open_flags": len(open_flags)})
            healths.append(health)
        celebrate = recent_milestones(runtime, user_id, visible, now)
    except AssistantError as exc:
        problems.append(exc.message)
    healths.sort(key=lambda h: -h.recent.messages)
    view = View(type="home", blocks=home_blocks(healths, problems, celebrate))
    try:
        runtime.client.views_publish(user_id=user_id, view=view.to_dict())
    except SdkApiError as exc:
        logger.error("Home tab for %s not published: %s", user_id, error_code(exc))


def recent_milestones(runtime: SlackRuntime, user_id: str, visible: set[str], now: datetime) -> list[Milestone]:
    """The past 30 days' milestones in the channels the viewer sees, for those who run the community only."""
    from assistant.insights.milestones import Thresholds, milestones
    from assistant.slack.surveys import may_run_surveys

    if not may_run_surveys(runtime, user_id):
        return []
    insights = runtime.ctx.insights
    thresholds = getattr(insights, "milestone_thresholds", None) or Thresholds()
    return milestones(insights.snapshot(visible), now - timedelta(days=30), now, thresholds)

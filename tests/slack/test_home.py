"""The Home tab shows the health of the channels the viewer can see, over the past 7 × 24 h up to the app's clock.

Each test runs with the clock pinned at instants where the ISO calendar week and the past 7 days differ most
(a Monday 00:30, a Sunday 23:30, a month boundary, DST changes in a Berlin-local process): "7 days" must be the
last 168 hours whatever the day of the week.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.instants import INSTANT_PARAMS, Instant
from tests.slack.conftest import ANA, BEN, GENERAL, SECRET, RunningApp

HOURS_7_DAYS = 7 * 24


def open_home(app: RunningApp, user: str = BEN) -> str:
    reply = app.sender.event(
        {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1700004000.000100"}
    )
    assert reply.status == 200
    (publish,) = app.slack.wait_for("views.publish")
    assert publish.params["user_id"] == user
    view = publish.params["view"]
    assert view["type"] == "home"
    return json.dumps(view["blocks"], ensure_ascii=False)


@pytest.mark.parametrize("pinned", INSTANT_PARAMS)
def test_home_tab_shows_channel_health_without_private_channels(running_app: RunningApp, pinned: Instant) -> None:
    app = running_app
    assert app.ctx.clock() == pinned.at
    app.seed(GENERAL, ANA, "Please add a calendar of upcoming events.", ago_hours=30)
    app.seed(GENERAL, BEN, "Thanks for organising, that was great fun!", ago_hours=20)
    app.seed(SECRET, ANA, "Budget numbers for the offsite.", ago_hours=10)
    text = open_home(app)
    assert "Community health" in text and "#general" in text
    assert "Activity (7 days): *2* messages" in text
    assert "the past 7 days up to now; arrows compare with the previous 7 days" in text
    assert "Open flags: *0*" in text
    assert "secret-plans" not in text


@pytest.mark.parametrize("pinned", INSTANT_PARAMS)
def test_home_tab_7_days_are_the_last_168_hours(running_app: RunningApp, pinned: Instant) -> None:
    """A minute inside the 168 hours counts, a minute outside does not; the 7 days before are the trend's base."""
    app = running_app
    app.seed(GENERAL, ANA, "Inside the week, just.", ago_hours=HOURS_7_DAYS - 1 / 60)
    app.seed(GENERAL, BEN, "Outside the week, just.", ago_hours=HOURS_7_DAYS + 1 / 60)
    app.seed(GENERAL, BEN, "Two weeks ago.", ago_hours=2 * HOURS_7_DAYS - 1)
    health = app.ctx.insights.channel_health(GENERAL, at=app.ctx.clock())
    assert health.recent.end - health.recent.start == timedelta(hours=HOURS_7_DAYS)
    assert health.recent.messages == 1 and health.recent.previous is not None
    assert health.recent.previous.messages == 2
    assert health.past_30_days.messages == 3
    text = open_home(app)
    # 1 message against 2 in the previous 7 days; 1 active member in both
    assert "Activity (7 days): *1* message :arrow_down_small:-50%, *1* of 2 members active +0%" in text

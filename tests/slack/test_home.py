"""The Home tab shows the health of the channels the viewer can see."""

from __future__ import annotations

import json

from tests.slack.conftest import ANA, BEN, GENERAL, SECRET, RunningApp


def test_home_tab_shows_channel_health_without_private_channels(running_app: RunningApp) -> None:
    app = running_app
    app.seed(GENERAL, ANA, "Please add a calendar of upcoming events.", ago_hours=30)
    app.seed(GENERAL, BEN, "Thanks for organising, that was great fun!", ago_hours=20)
    app.seed(SECRET, ANA, "Budget numbers for the offsite.", ago_hours=10)
    reply = app.sender.event(
        {"type": "app_home_opened", "user": BEN, "channel": "D1", "tab": "home", "event_ts": "1700004000.000100"}
    )
    assert reply.status == 200
    (publish,) = app.slack.wait_for("views.publish")
    assert publish.params["user_id"] == BEN
    view = publish.params["view"]
    assert view["type"] == "home"
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "Community health" in text and "#general" in text
    assert "Activity (7 days): *2* messages" in text
    assert "Open flags: *0*" in text
    assert "secret-plans" not in text

"""Faults at the Slack boundary, against the real Bolt app on loopback and a fake Web API:

- Slack goes down while a new member's toxic message arrives, then comes back: the message is stored, judged and
  alerted exactly once (before, it was never stored and Slack's retries were dropped as duplicates);
- an alert Slack does not accept waits in the outbox and is delivered once Slack is back;
- direct messages from an export never reach someone outside them (before, they were public channels).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from tests.slack.conftest import ANA, BEN, GENERAL, MOD, MODS, RunningApp, message_event

DOWN = "http://127.0.0.1:9/api/"  # nothing listens on the discard port: connection refused, like an outage
NEWBIE = "UNEWBIE01"
#: Epoch seconds the inbox and outbox count leases and backoff from in these tests (never the wall clock).
T0 = 1_795_000_000.0


def wait_until(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


def alert_posts(app: RunningApp) -> list[object]:
    return [c for c in app.slack.calls_to("chat.postMessage") if c.params.get("channel") == MODS]


def test_a_message_that_arrives_while_slack_is_down_is_kept_and_alerted_once_slack_is_back(
    running_app: RunningApp,
) -> None:
    app = running_app
    inbox, outbox = app.runtime.inbox, app.runtime.outbox
    assert inbox is not None and outbox is not None
    app.slack.add_user(NEWBIE, "newbie")
    up = app.runtime.client.base_url
    app.runtime.client.base_url = DOWN
    app.runtime.directory._channels.pop(GENERAL, None)  # a channel the app has not looked up yet
    ts = "1700000900.000100"
    reply = app.sender.event(message_event("you are all idiots", ts, user=NEWBIE), event_id="EvDOWN1")
    assert reply.status == 200 and reply.seconds < 3.0, "acked at once, even with Slack down"

    def attempted() -> bool:
        state = inbox.state("EvDOWN1")
        return bool(state and state["attempts"] >= 1 and (state["done"] or state["last_error"]))

    wait_until(attempted, "the first attempt ended")
    state = inbox.state("EvDOWN1")
    assert state is not None and not state["done"], "the event waits in the inbox, it is not dropped"
    assert alert_posts(app) == []

    app.runtime.client.base_url = up  # Slack is back, and retries the delivery
    retry = app.sender.event(message_event("you are all idiots", ts, user=NEWBIE), event_id="EvDOWN1", retry=1)
    assert retry.status == 200
    wait_until(lambda: bool((inbox.state("EvDOWN1") or {}).get("done")), "the retried event finished")
    assert app.ctx.archive.find_message(GENERAL, ts) is not None, "the new member's message is stored"
    assert app.ctx.archive.judgment(GENERAL, ts) is not None
    wait_until(lambda: len(alert_posts(app)) >= 1, "the alert was posted")
    # A later retry, and the background redelivery, change nothing: one alert.
    app.sender.event(message_event("you are all idiots", ts, user=NEWBIE), event_id="EvDOWN1", retry=2)
    app.runtime.redeliver()
    assert len(alert_posts(app)) == 1
    assert inbox.pending() == 0 and outbox.pending() == 0


def test_without_a_slack_retry_the_background_redelivery_finishes_the_event(running_app: RunningApp) -> None:
    app = running_app
    inbox, outbox = app.runtime.inbox, app.runtime.outbox
    assert inbox is not None and outbox is not None
    now = [T0]  # the queues' clock (backoff, leases), pinned and moved by hand
    inbox.now = outbox.now = lambda: now[0]
    up = app.runtime.client.base_url
    app.runtime.client.base_url = DOWN
    app.runtime.directory._channels.pop(GENERAL, None)
    ts = "1700000950.000100"
    app.sender.event(message_event("what a moron", ts, user=BEN), event_id="EvDOWN2")
    wait_until(lambda: bool((inbox.state("EvDOWN2") or {}).get("last_error")), "the first attempt failed")
    app.runtime.client.base_url = up
    now[0] += 3600  # past any backoff
    events, _alerts = app.runtime.redeliver()
    assert events == 1  # its alert is delivered as part of the event's work
    assert app.ctx.archive.find_message(GENERAL, ts) is not None
    assert len(alert_posts(app)) == 1


def test_an_alert_slack_refuses_waits_in_the_outbox_and_is_delivered_later(running_app: RunningApp) -> None:
    app = running_app
    outbox = app.runtime.outbox
    inbox = app.runtime.inbox
    assert outbox is not None and inbox is not None
    now = [T0]
    inbox.now = outbox.now = lambda: now[0]
    app.seed(GENERAL, BEN, "warming up the channel", ago_hours=1)  # channel and member looked up while Slack is up
    up = app.runtime.client.base_url
    app.runtime.client.base_url = DOWN
    ts = "1700001000.000100"
    app.sender.event(message_event("stupid idiot", ts, user=BEN), event_id="EvDOWN3")
    wait_until(lambda: bool((inbox.state("EvDOWN3") or {}).get("done")), "the event finished")
    assert app.ctx.archive.judgment(GENERAL, ts) is not None, "judged and flagged while Slack is down"
    assert outbox.pending() == 1 and alert_posts(app) == []
    app.runtime.client.base_url = up
    now[0] += 3600
    assert app.runtime.redeliver() == (0, 1)
    assert app.runtime.redeliver() == (0, 0)
    (post,) = alert_posts(app)
    assert "idiot" in json.dumps(post.params.get("blocks"), ensure_ascii=False)


SALARY_SECRET = "my salary password is tangerine42"


def _export_with_dms(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "channels.json").write_text(
        json.dumps([{"id": GENERAL, "name": "general", "members": [ANA, BEN, MOD]}])
    )
    (root / "users.json").write_text(
        json.dumps([{"id": u, "name": n} for u, n in ((ANA, "ana"), (BEN, "ben"), (MOD, "mo"))])
    )
    (root / "dms.json").write_text(json.dumps([{"id": "D0ANAMOD1", "members": [ANA, MOD]}]))
    (root / "mpims.json").write_text(
        json.dumps([{"id": "G0GROUP01", "name": "mpdm-ana--mo-1", "members": [ANA, MOD]}])
    )
    for folder, text in (
        ("general", "The salary review happens next week, everyone."),
        ("D0ANAMOD1", SALARY_SECRET),
        ("mpdm-ana--mo-1", "salary talk in our group: the band is 90k"),
    ):
        (root / folder).mkdir()
        rows = [{"type": "message", "user": ANA, "text": text, "ts": "1763900000.000100"}]
        (root / folder / "2025-11-23.json").write_text(json.dumps(rows))
    return root


def test_direct_messages_are_not_ingested_by_default(running_app: RunningApp, tmp_path: Path) -> None:
    report = running_app.ctx.pipeline.ingest_export(_export_with_dms(tmp_path / "export"))
    ids = {c.id for c in running_app.ctx.archive.channels()}
    assert "D0ANAMOD1" not in ids and "G0GROUP01" not in ids and "mpdm-ana--mo-1" not in ids
    assert any("dms.json" in str(p) or "mpims.json" in str(p) for p in report.problems)
    assert all(SALARY_SECRET not in m.text for m in running_app.ctx.archive.messages())


def test_an_opted_in_dm_never_reaches_a_non_member(running_app: RunningApp, tmp_path: Path) -> None:
    app = running_app
    app.ctx.pipeline.ingest_export(_export_with_dms(tmp_path / "export"), include_direct_messages=True)
    stored = {c.id: c for c in app.ctx.archive.channels()}
    assert stored["D0ANAMOD1"].is_private and stored["D0ANAMOD1"].kind == "im"
    question = "what did people say about salary?"
    app.sender.command("/ask", question, BEN, GENERAL)
    (ben,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == BEN)
    ben_text = json.dumps(ben.params.get("blocks"), ensure_ascii=False) + str(ben.params.get("text"))
    assert "tangerine42" not in ben_text and "90k" not in ben_text, "Ben took part in neither conversation"
    assert "D0ANAMOD1" not in app.runtime.visibility.visible_to(BEN)
    assert "D0ANAMOD1" in app.runtime.visibility.visible_to(ANA), "its members still see their own DM"
    assert "D0ANAMOD1" not in app.runtime.visibility.visible_in_reply(ANA, GENERAL), "never in a public reply"

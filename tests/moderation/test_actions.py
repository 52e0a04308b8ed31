"""Each moderator action, its side effect through the gateway, its audit record, and refusals."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.config import load_settings
from assistant.domain.records import FlagStatus, ModerationActionKind
from tests.moderation.conftest import ALICE, BOB, MOD, RecordingGateway, World

Kind = ModerationActionKind


@pytest.fixture()
def gw() -> RecordingGateway:
    return RecordingGateway()


@pytest.fixture()
def connected(make_world: Callable[..., World], gw: RecordingGateway) -> World:
    w = make_world(gateway=gw, auto_calibrate=False)
    w.service.settings = load_settings(data_dir=w.ctx.settings.data_dir, slack_admin_token="xoxp-admin")
    return w


def _last_audit(world: World, action: str) -> dict[str, object]:
    events = world.ctx.archive.audit(action=action)
    assert events, f"no {action} in the audit log"
    e = events[-1]
    return {"actor": e.actor, "target": e.target, **e.details}


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (Kind.DISMISS, FlagStatus.DISMISSED),
        (Kind.FALSE_POSITIVE, FlagStatus.FALSE_POSITIVE),
        (Kind.WARN, FlagStatus.WARNED),
        (Kind.REMOVE, FlagStatus.REMOVED),
        (Kind.ESCALATE, FlagStatus.ESCALATED),
    ],
)
def test_each_action_changes_the_flag_and_is_audited(
    connected: World, gw: RecordingGateway, kind: ModerationActionKind, status: FlagStatus
) -> None:
    m, _ = connected.post("You are an idiot.", user=BOB)
    flag_id = connected.flag_of(m)
    outcome = connected.service.act(flag_id, kind, MOD, note="second time this week")
    assert outcome.ok and not outcome.refused, outcome.message
    assert outcome.flag is not None and outcome.flag.status == status and outcome.flag.decision == str(kind)
    assert outcome.alert is not None and outcome.alert.history[-1].actor == MOD
    assert outcome.alert.history[-1].kind == kind and outcome.alert.status == str(status)
    record = _last_audit(connected, "moderation_action")
    assert record["actor"] == MOD and record["target"] == f"flag:{flag_id}" and record["kind"] == str(kind)
    assert record["status_before"] == "open" and record["status_after"] == str(status)
    if kind == Kind.WARN:
        [(user, text)] = gw.warnings
        clause = connected.ctx.knowledge.clause(2)
        assert user == BOB and clause is not None and clause.text in text and "second time this week" in text
    if kind == Kind.REMOVE:
        assert gw.removed == [(m.channel_id, m.ts)]
    if kind == Kind.ESCALATE:
        assert len(gw.notices) == 1 and "@moderators" in gw.notices[0] and "idiot" in gw.notices[0]


def test_a_non_moderator_is_refused_politely_and_nothing_changes(connected: World, gw: RecordingGateway) -> None:
    m, _ = connected.post("You are an idiot.", user=BOB)
    flag_id = connected.flag_of(m)
    outcome = connected.service.act(flag_id, Kind.REMOVE, ALICE)
    assert outcome.refused and not outcome.ok and "only moderators" in outcome.message.lower()
    assert connected.service.store.flag(flag_id).status == FlagStatus.OPEN
    assert gw.removed == [] and connected.service.store.actions([flag_id]) == []
    assert _last_audit(connected, "moderation_refused")["actor"] == ALICE


def test_moderators_come_from_settings_the_group_and_the_channel(make_world: Callable[..., World]) -> None:
    gw = RecordingGateway(group={"UGROUP0001"})
    w = make_world(gateway=gw)
    w.service.settings = load_settings(data_dir=w.ctx.settings.data_dir, moderators="UCONF00001, UCONF00002")
    assert w.service.is_moderator(MOD)  # member of #moderators
    assert w.service.is_moderator("UGROUP0001") and w.service.is_moderator("UCONF00002")
    assert not w.service.is_moderator(ALICE) and not w.service.is_moderator(None)


def test_without_slack_actions_that_need_it_say_so(make_world: Callable[..., World]) -> None:
    world = make_world(gateway=None)
    m, _ = world.post("You are an idiot.", user=BOB)
    flag_id = world.flag_of(m)
    warn = world.service.act(flag_id, Kind.WARN, MOD)
    assert not warn.ok and "not sent" in warn.message and warn.text_sent and "idiot" in warn.text_sent
    remove = world.service.act(flag_id, Kind.REMOVE, MOD)
    assert not remove.ok and "SLACK_ADMIN_TOKEN" in remove.message
    escalate = world.service.act(flag_id, Kind.ESCALATE, MOD)
    assert not escalate.ok and "not notified" in escalate.message
    assert world.service.store.flag(flag_id).status == FlagStatus.OPEN
    assert [a.ok for a in world.service.store.actions([flag_id])] == [False, False, False]
    assert len(world.ctx.archive.audit(action="moderation_action_failed")) == 3


def test_audit_export_as_csv_and_json_lines(connected: World) -> None:
    import csv
    import io
    import json

    from assistant.moderation import audit

    m, _ = connected.post("You are an idiot.", user=BOB)
    connected.service.act(connected.flag_of(m), Kind.DISMISS, MOD, note="banter between friends")
    events = connected.service.audit_log()
    rows = list(csv.DictReader(io.StringIO(audit.export(events, "csv"))))
    assert [r["action"] for r in rows] == ["flag_created", "moderation_action"]
    assert rows[1]["actor"] == MOD and rows[1]["reason"] == "banter between friends"
    lines = [json.loads(x) for x in audit.export(events, "jsonl").splitlines()]
    assert lines[1]["details"]["kind"] == "dismiss"

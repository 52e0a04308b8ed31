"""Learning from decisions: a channel with many false positives moves its threshold up, within bounds."""

from __future__ import annotations

from collections.abc import Callable

from assistant.domain.records import ModerationActionKind
from tests.moderation.conftest import ALICE, BOB, CARL, GENERAL, HARDWARE, MOD, World

Kind = ModerationActionKind


def test_false_positives_raise_the_channel_threshold_and_show_the_effect(make_world: Callable[..., World]) -> None:
    w = make_world(auto_calibrate=False)
    # hardware: "rubbish" (0.72) and "damn" (0.74) flags are banter there; the "idiot" one (0.92) was real
    fps = [
        w.post(t, user=u, channel=HARDWARE, gap=5000)[0]
        for t, u in (
            ("This rubbish soldering iron again.", ALICE),
            ("Rubbish tips, rubbish stand.", BOB),
            ("Damn, the reflow oven died.", ALICE),
        )
    ]
    real, _ = w.post("You idiot, you broke it.", user=BOB, channel=HARDWARE, gap=5000)
    for m in fps:
        w.decide(m, Kind.FALSE_POSITIVE)
    w.decide(real, Kind.WARN)
    report = w.service.calibrate(apply=True)
    [change] = report.changes
    assert change.channel_id == HARDWARE and change.before == 0.7 and change.after > 0.74
    assert change.false_positives_avoided == 3 and change.true_flags_lost == 0 and change.flags_kept == 1
    policy = w.service.policy("hardware")
    assert policy.threshold("toxicity") == change.after and policy.thresholds["toxicity"] == 0.7
    assert w.service.policy("general").threshold("toxicity") == 0.7  # other channels unchanged
    assert {"channel_id": HARDWARE, "term": "rubbish", "false_positives": 2} in report.allow_suggestions
    audit = w.ctx.archive.audit(action="policy_changed")
    assert audit[-1].actor == "assistant:calibration" and "false positives" in audit[-1].reason
    # idempotent: the same decisions give the same thresholds and no new policy change
    again = w.service.calibrate(apply=True)
    assert again.changes[0].after == change.after
    assert len(w.ctx.archive.audit(action="policy_changed")) == len(audit)
    # the effect: the next "rubbish" message in hardware is no longer flagged, in general it still is
    m1, _ = w.post("Rubbish spool holder.", user=CARL, channel=HARDWARE)
    m2, _ = w.post("Rubbish spool holder.", user=CARL, channel=GENERAL)
    assert w.service.store.flag_for(HARDWARE, m1.ts) is None and w.service.store.flag_for(GENERAL, m2.ts)


def test_raising_is_bounded(make_world: Callable[..., World]) -> None:
    w = make_world(auto_calibrate=False)
    for i in range(4):
        m, _ = w.post(f"You idiot number {i}.", user=BOB, gap=5000)
        w.decide(m, Kind.FALSE_POSITIVE)
    [change] = w.service.calibrate(apply=True).changes
    assert change.offset == w.ctx.settings.calibration_max_raise
    assert change.after <= w.ctx.settings.threshold_ceiling


def test_decisions_calibrate_automatically_after_enough_of_them(world: World) -> None:
    for i in range(3):
        m, _ = world.post(f"Rubbish idea number {i}.", user=ALICE, gap=5000)
        world.decide(m, Kind.FALSE_POSITIVE)
    assert (world.service.policy("general").threshold("toxicity") or 0) > 0.72


def test_upheld_flags_lower_the_threshold_one_step(make_world: Callable[..., World]) -> None:
    w = make_world(auto_calibrate=False)
    for i in range(3):
        m, _ = w.post(f"You moron {i}.", user=BOB, gap=5000)
        w.decide(m, Kind.WARN if i else Kind.ESCALATE)
    [change] = w.service.calibrate(apply=True).changes
    assert change.after == 0.65 and change.offset == -0.05


def test_few_decisions_change_nothing(world: World) -> None:
    m, _ = world.post("You idiot.", user=BOB)
    world.decide(m, Kind.FALSE_POSITIVE)
    [change] = world.service.calibrate(apply=False).changes
    assert change.after == change.before == 0.7 and "need 3" in change.reason
    assert MOD

"""Policy resolution: defaults, workspace and channel layers, exemptions, shadow, audited changes, refusals."""

from __future__ import annotations

import pytest

from assistant.config import DEFAULT_THRESHOLDS, load_settings
from assistant.errors import ConfigError, PermissionDeniedError
from assistant.moderation.models import ChannelPolicy, PolicyOverride
from assistant.moderation.policy import PolicyStore, apply_changes, parse_assignments
from tests.moderation.conftest import ALICE, BOB, GENERAL, HARDWARE, MOD, World


def test_defaults_come_from_the_judgment_thresholds(world: World) -> None:
    policy = world.service.policy("general")
    assert policy.channel_id == GENERAL and policy.channel_name == "general"
    # sentiment/want are off by default
    assert policy.effective == {
        "toxicity": DEFAULT_THRESHOLDS["toxicity"],
        "misinformation": DEFAULT_THRESHOLDS["misinformation"],
    }
    assert policy.active and not policy.shadow


def test_channel_overrides_workspace_overrides_defaults(world: World) -> None:
    svc = world.service
    svc.set_policy("*", MOD, thresholds={"toxicity": 0.8, "sentiment": 0.9})
    svc.set_policy("#hardware", MOD, thresholds={"toxicity": 0.6}, add_allow_terms=["rubbish"])
    general, hardware = svc.policy("general"), svc.policy(HARDWARE)
    assert general.effective == {
        "toxicity": 0.8,
        "misinformation": DEFAULT_THRESHOLDS["misinformation"],
        "sentiment": 0.9,
    }
    assert hardware.effective["toxicity"] == 0.6 and hardware.effective["sentiment"] == 0.9
    assert hardware.allow_terms == ["rubbish"] and general.allow_terms == []
    svc.set_policy("hardware", MOD, thresholds={"sentiment": None})
    assert "sentiment" not in svc.policy("hardware").effective


def test_every_change_is_audited_with_who_and_what(world: World) -> None:
    world.service.set_policy("general", MOD, reason="too noisy", thresholds={"toxicity": 0.85}, shadow=True)
    events = world.ctx.archive.audit(action="policy_changed")
    assert len(events) == 1
    e = events[0]
    assert (e.actor, e.target, e.reason) == (MOD, f"policy:{GENERAL}", "too noisy")
    assert e.details["diff"]["shadow"] == {"from": False, "to": True}
    assert e.details["diff"]["thresholds"]["to"]["toxicity"] == 0.85


def test_non_moderator_cannot_change_policy_and_the_refusal_is_audited(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        world.service.set_policy("general", ALICE, thresholds={"toxicity": 0.99})
    assert world.service.policy("general").effective["toxicity"] == DEFAULT_THRESHOLDS["toxicity"]
    assert [e.actor for e in world.ctx.archive.audit(action="moderation_refused")] == [ALICE]


def test_exemptions_shadow_and_switch(world: World) -> None:
    svc = world.service
    svc.set_shadow("general", MOD, True)
    svc.set_policy("general", MOD, add_exempt_members=[BOB])
    svc.set_policy("hardware", MOD, enabled=False)
    general = svc.policy("general")
    assert general.shadow and general.exempt_members == [BOB]
    assert not svc.policy("hardware").active


def test_exempt_channels_from_settings(world: World) -> None:
    settings = load_settings(data_dir=world.ctx.settings.data_dir, moderation_exempt_channels="hardware")
    store = PolicyStore(world.ctx.archive, settings)
    assert store.resolve(HARDWARE, "hardware").exempt
    assert not store.resolve(GENERAL, "general").exempt


def test_calibrated_threshold_stays_within_bounds() -> None:
    p = ChannelPolicy(channel_id="C1", thresholds={"toxicity": 0.9}, calibration={"toxicity": 0.2}, ceiling=0.97)
    assert p.threshold("toxicity") == 0.97
    assert p.threshold("want") is None


def test_bad_policy_input_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="between 0 and 1"):
        parse_assignments(["toxicity=1.5"])
    with pytest.raises(ConfigError, match="Unknown judgment"):
        parse_assignments(["rudeness=0.5"])
    with pytest.raises(ConfigError, match="judgment=threshold"):
        parse_assignments(["toxicity"])
    assert parse_assignments(["want=off", "toxicity=0.75"]) == {"want": None, "toxicity": 0.75}
    with pytest.raises(ConfigError, match="Unknown policy setting"):
        apply_changes(PolicyOverride(), {"colour": "red"})


def test_unknown_channel_is_not_found(world: World) -> None:
    from assistant.errors import NotFoundError

    with pytest.raises(NotFoundError):
        world.service.policy("#nope")


def test_the_moderators_channel_is_exempt_unless_switched_on(world: World) -> None:
    assert world.service.policy("moderators").exempt
    assert not world.service.set_policy("moderators", MOD, exempt=False).exempt

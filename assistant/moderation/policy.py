"""Policy resolution and storage: defaults from settings, a workspace override, then a channel override.

Moderators change policy at run time; the store keeps only overrides so a new default threshold (e.g. after
retraining) reaches every channel that did not choose its own.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.config import JUDGMENT_NAMES, Settings
from assistant.errors import ConfigError
from assistant.moderation.models import WORKSPACE, ChannelPolicy, PolicyOverride
from assistant.store import Archive
from assistant.store.moderation import PolicyOverrides

logger = logging.getLogger(__name__)


def check_thresholds(values: dict[str, float | None]) -> dict[str, float | None]:
    """Validate judgment names and threshold range; raise a ``ConfigError`` a moderator can act on."""
    out: dict[str, float | None] = {}
    for name, value in values.items():
        if name not in JUDGMENT_NAMES:
            raise ConfigError(f"Unknown judgment {name!r}: use one of {', '.join(JUDGMENT_NAMES)}.")
        if value is not None and not 0.0 <= float(value) <= 1.0:
            raise ConfigError(f"The threshold for {name} must be between 0 and 1, not {value}.")
        out[name] = None if value is None else float(value)
    return out


def parse_assignments(items: list[str]) -> dict[str, float | None]:
    """``["toxicity=0.8", "want=off"]`` -> ``{"toxicity": 0.8, "want": None}``."""
    out: dict[str, float | None] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep:
            raise ConfigError(f"{item!r} is not judgment=threshold (e.g. toxicity=0.8).")
        raw = raw.strip().lower()
        if raw in ("off", "none"):
            out[name.strip()] = None
            continue
        try:
            out[name.strip()] = float(raw)
        except ValueError:
            raise ConfigError(f"{item!r}: the threshold must be a number between 0 and 1, or 'off'.") from None
    return check_thresholds(out)


class PolicyStore:
    """Policy overrides (kept by the store) and ``resolve``: the policy a channel runs under."""

    def __init__(self, archive: Archive, settings: Settings) -> None:
        self.archive = archive
        self.settings = settings
        self.stored = PolicyOverrides(archive)

    def defaults(self, channel_id: str | None = None) -> dict[str, float]:
        """Thresholds from settings (``ASSISTANT_THRESHOLDS`` and any per-channel ones configured there)."""
        return {name: self.settings.threshold(name, channel_id) for name in self.settings.moderation_judgments}

    def override(self, channel_id: str) -> PolicyOverride:
        return self.stored.get(channel_id)

    def overrides(self) -> dict[str, PolicyOverride]:
        return self.stored.all()

    def save(self, channel_id: str, override: PolicyOverride) -> None:
        self.stored.save(channel_id, override)

    def resolve(
        self,
        channel_id: str,
        channel_name: str | None = None,
        *,
        overrides: dict[str, PolicyOverride] | None = None,
    ) -> ChannelPolicy:
        stored = overrides if overrides is not None else self.overrides()
        workspace = stored.get(WORKSPACE, PolicyOverride())
        channel = stored.get(channel_id, PolicyOverride()) if channel_id != WORKSPACE else PolicyOverride()
        thresholds: dict[str, float | None] = dict(self.defaults(None if channel_id == WORKSPACE else channel_id))
        for layer in (workspace, channel):
            thresholds.update(layer.thresholds)
        calibration = {**workspace.calibration, **channel.calibration}
        exempt_names = {c.lstrip("#") for c in self.settings.moderation_exempt_channels}
        # the moderators' own channel quotes flagged messages while discussing them: exempt unless switched on
        exempt_names.add((self.settings.moderators_channel or "moderators").lstrip("#"))
        exempt_default = bool(exempt_names & {channel_id, channel_name or ""})

        def pick(attr: str, default: bool) -> bool:
            value: Any = getattr(channel, attr)
            if value is None:
                value = getattr(workspace, attr)
            return default if value is None else bool(value)

        return ChannelPolicy(
            channel_id=channel_id,
            channel_name=channel_name,
            enabled=pick("enabled", True),
            shadow=pick("shadow", self.settings.moderation_shadow),
            exempt=channel.exempt if channel.exempt is not None else exempt_default,
            thresholds={k: v for k, v in thresholds.items() if v is not None},
            calibration={k: v for k, v in calibration.items() if thresholds.get(k) is not None},
            misinformation_needs_evidence=pick("misinformation_needs_evidence", True),
            exempt_members=sorted(set(workspace.exempt_members) | set(channel.exempt_members)),
            allow_terms=sorted(set(workspace.allow_terms) | set(channel.allow_terms), key=str.casefold),
            floor=self.settings.threshold_floor,
            ceiling=self.settings.threshold_ceiling,
        )


def apply_changes(current: PolicyOverride, changes: dict[str, Any]) -> PolicyOverride:
    """A new override with ``changes`` applied; unknown keys are an error; lists are added to/removed from."""
    data = current.model_copy(deep=True)
    for key, value in changes.items():
        if value is None:
            continue
        if key in ("enabled", "shadow", "exempt", "misinformation_needs_evidence"):
            setattr(data, key, bool(value))
        elif key == "thresholds":
            data.thresholds = {**data.thresholds, **check_thresholds(dict(value))}
        elif key == "calibration":
            data.calibration = {**data.calibration, **{k: float(v) for k, v in dict(value).items()}}
        elif key in ("add_exempt_members", "remove_exempt_members", "add_allow_terms", "remove_allow_terms"):
            target = "exempt_members" if key.endswith("exempt_members") else "allow_terms"
            items = [str(v).strip() for v in value if str(v).strip()]
            current_items: list[str] = list(getattr(data, target))
            if key.startswith("add_"):
                for item in items:
                    if len(item) > 200:
                        raise ConfigError("An allow-listed term or member id must be shorter than 200 characters.")
                    if item.casefold() not in {c.casefold() for c in current_items}:
                        current_items.append(item)
            else:
                drop = {i.casefold() for i in items}
                current_items = [c for c in current_items if c.casefold() not in drop]
            setattr(data, target, current_items)
        else:
            raise ConfigError(f"Unknown policy setting {key!r}.")
    return data


def diff(before: ChannelPolicy, after: ChannelPolicy) -> dict[str, Any]:
    """Field-by-field change of a resolved policy, for the audit log."""
    b, a = before.model_dump(), after.model_dump()
    return {k: {"from": b[k], "to": a[k]} for k in a if k not in ("channel_name",) and a[k] != b[k]}

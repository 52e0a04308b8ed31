"""Learning from moderator decisions: per-channel threshold offsets and allow-list suggestions.

For each channel and judgment with enough decided flags, the offset is the smallest raise (in steps, within
bounds) that brings the precision of the decided flags still over the threshold up to the target; a channel
whose flags were all upheld moves one step down. Only "false positive" counts as wrong here: "dismiss" may
just mean "no action needed". The offset is recomputed from all decisions each time, so calibrating twice
changes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from assistant.config import Settings
from assistant.domain.records import ModerationActionKind
from assistant.moderation.models import (
    POSITIVE_DECISIONS,
    ChannelPolicy,
    FlagRecord,
    ThresholdChange,
)

_WORD = re.compile(r"[^\W\d_][\w'-]{2,}", re.UNICODE)


def _is_positive(flag: FlagRecord) -> bool:
    return flag.decision in {str(k) for k in POSITIVE_DECISIONS}


def _is_false_positive(flag: FlagRecord) -> bool:
    return flag.decision == str(ModerationActionKind.FALSE_POSITIVE)


def _precision(flags: Sequence[FlagRecord], threshold: float) -> float | None:
    above = [f for f in flags if f.score >= threshold]
    if not above:
        return None
    return sum(_is_positive(f) for f in above) / len(above)


def propose_offset(flags: Sequence[FlagRecord], base: float, settings: Settings) -> tuple[float, str]:
    """The calibration offset for one channel/judgment from its decided flags, and why."""
    step = settings.calibration_step
    positives = sum(_is_positive(f) for f in flags)
    wrong = sum(_is_false_positive(f) for f in flags)
    if positives + wrong < settings.calibration_min_decisions:
        return 0.0, f"only {positives + wrong} decisions (need {settings.calibration_min_decisions})"
    target = settings.calibration_target_precision
    precision = _precision(flags, base)
    if wrong == 0 and positives >= settings.calibration_min_decisions:
        offset = -min(step, settings.calibration_max_lower)
        return offset, f"all {positives} decided flags were upheld"
    if precision is not None and precision >= target:
        return 0.0, f"precision {precision:.2f} of decided flags meets the target {target:.2f}"
    n_steps = round(settings.calibration_max_raise / step)
    for k in range(1, n_steps + 1):
        offset = round(k * step, 4)
        if base + offset > settings.threshold_ceiling:
            break
        p = _precision(flags, base + offset)
        if p is None or p >= target:
            return offset, f"{wrong} of {positives + wrong} decided flags were false positives"
    offset = min(settings.calibration_max_raise, max(0.0, settings.threshold_ceiling - base))
    return round(
        offset, 4
    ), f"{wrong} of {positives + wrong} decided flags were false positives (raised to the bound)"


def calibrate_channel(
    policy: ChannelPolicy, judgment: str, flags: Sequence[FlagRecord], settings: Settings
) -> ThresholdChange | None:
    base = policy.thresholds.get(judgment)
    if base is None:
        return None
    decided = [f for f in flags if _is_positive(f) or _is_false_positive(f)]
    offset, reason = propose_offset(decided, base, settings)
    before = policy.threshold(judgment) or base
    after_policy = policy.model_copy(update={"calibration": {**policy.calibration, judgment: offset}})
    after = after_policy.threshold(judgment) or base
    return ThresholdChange(
        channel_id=policy.channel_id,
        channel_name=policy.channel_name,
        judgment=judgment,
        decided=len(decided),
        positives=sum(_is_positive(f) for f in decided),
        false_positives=sum(_is_false_positive(f) for f in decided),
        before=before,
        after=after,
        offset=offset,
        reason=reason,
        flags_kept=sum(f.score >= after for f in decided),
        false_positives_avoided=sum(_is_false_positive(f) and f.score < after for f in decided),
        true_flags_lost=sum(_is_positive(f) and f.score < after for f in decided),
    )


def allow_suggestions(flags: Sequence[FlagRecord], min_count: int = 2) -> list[dict[str, object]]:
    """Words that drove several false positives and never an upheld flag: candidates for the allow-list."""
    wrong: Counter[tuple[str, str]] = Counter()
    upheld: set[str] = set()
    for f in flags:
        words = {w.casefold() for w in _WORD.findall(f.span.text)} if f.span else set()
        if _is_false_positive(f):
            for w in words:
                wrong[(f.channel_id, w)] += 1
        elif _is_positive(f):
            upheld |= words
    return [
        {"channel_id": channel, "term": word, "false_positives": n}
        for (channel, word), n in wrong.most_common()
        if n >= min_count and word not in upheld
    ]

"""Replies to ``/community``: a channel's moderation policy, a replay report, and the command's help."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from assistant.moderation.models import ChannelPolicy, ReplayReport
from assistant.slack.blocks.common import context, escape, section, truncate
from assistant.slack.blocks.mentions import channel_mention, user_mention

HELP = (
    "*`/community` (moderators only)*\n"
    "• `/community policy #channel` — show the channel's moderation policy\n"
    "• `/community policy #channel toxicity=0.8 want=off` — change thresholds\n"
    "• `/community shadow #channel on|off` — judge without alerting (shadow mode)\n"
    "• `/community enable|disable #channel` — switch moderation on or off there\n"
    "• `/community replay #channel [days] [toxicity=0.6 ...]` — what a policy would have flagged"
)


def help_blocks() -> list[Block]:
    return [section(HELP)]


def policy_blocks(policy: ChannelPolicy, changed_by: str | None = None) -> list[Block]:
    where = f"#{policy.channel_name}" if policy.channel_name else channel_mention(policy.channel_id)
    state = "off" if not policy.active else ("shadow mode (judged, no alerts)" if policy.shadow else "on")
    thresholds = ", ".join(f"{escape(k)} {v:.2f}" for k, v in sorted(policy.effective.items())) or "none"
    lines = [f"*Moderation policy for {where}*", f"Moderation: *{state}*", f"Thresholds: {thresholds}"]
    if policy.calibration:
        lines.append(
            "Calibrated from moderator decisions: "
            + ", ".join(f"{escape(k)} {v:+.2f}" for k, v in sorted(policy.calibration.items()))
        )
    if policy.allow_terms:
        lines.append("Allowed terms: " + ", ".join(escape(t) for t in policy.allow_terms[:20]))
    blocks: list[Block] = [section("\n".join(lines))]
    if changed_by:
        blocks.append(context(f"Changed by {user_mention(changed_by)}; the change is in the audit log."))
    return blocks


def replay_blocks(report: ReplayReport) -> list[Block]:
    where = f"#{report.channel}" if report.channel else "all channels"
    days = f"{report.since_days:g} days" if report.since_days else "all history"
    overrides = ", ".join(f"{escape(k)}={v:.2f}" for k, v in report.overrides.items()) or "the current policy"
    lines = [
        f"*Replay of {where} over {days} with {overrides}*",
        f"Judged {report.judged} messages: *{len(report.flagged)}* would be flagged "
        f"(now {report.current_flagged}); {len(report.added)} added, {len(report.dropped)} dropped.",
    ]
    agreement = report.agreement
    if agreement.decided:
        p = "n/a" if agreement.precision is None else f"{agreement.precision:.2f}"
        r = "n/a" if agreement.recall is None else f"{agreement.recall:.2f}"
        lines.append(f"Against {agreement.decided} past moderator decisions: precision {p}, recall {r}.")
    blocks: list[Block] = [section("\n".join(lines))]
    examples = [
        f"• +{escape(f.judgment)} {f.score:.2f} in {escape(f.channel)} at {f.ts}" for f in report.added[:5]
    ] + [f"• −{escape(f.judgment)} {f.score:.2f} in {escape(f.channel)} at {f.ts}" for f in report.dropped[:5]]
    if examples:
        blocks.append(context(truncate("\n".join(examples), 1900)))
    return blocks

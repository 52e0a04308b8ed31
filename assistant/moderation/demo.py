"""The demo's "Moderation" section: what the default policy flagged in the sample workspace, with spans and
clause citations, simulated moderator clicks (labelled as such), what they teach, and a stricter replay.

There is no Slack connection in the demo, so actions that need one (warn, remove, escalate) report that they
were not carried out; only decisions that need no side effect (false positive, dismiss) are recorded.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from assistant.domain.records import ModerationActionKind
from assistant.knowledge import default_knowledge_dir
from assistant.moderation.models import FlagRecord, ReplayReport

if TYPE_CHECKING:
    from assistant.context import Context


def _answer_key(ctx: Context) -> dict[str, Any]:
    folder = ctx.settings.knowledge_dir or default_knowledge_dir()
    path = folder / "sample_workspace_answers.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _describe(flag: FlagRecord, names: dict[str, str], channels: dict[str, str]) -> str:
    who = names.get(flag.user_id or "", flag.user_id or "?")
    parts = [
        f"#{channels.get(flag.channel_id, flag.channel_id)} · {who} · {flag.judgment} {flag.score:.2f} "
        f"≥ {flag.threshold:.2f} · “{flag.excerpt[:140]}”"
    ]
    if flag.span:
        parts.append(f"span “{flag.span.text}”")
    if flag.clause_ref:
        parts.append(f"breaks {flag.clause_ref.cite()}")
    if flag.refuting_fact:
        parts.append(f"fact: {flag.refuting_fact.text}")
    return " · ".join(parts)


def _pr(flagged: set[tuple[str, str]], truth: set[tuple[str, str]]) -> str:
    tp = len(flagged & truth)
    precision = tp / len(flagged) if flagged else 0.0
    recall = tp / len(truth) if truth else 0.0
    return f"precision {precision:.2f}, recall {recall:.2f} ({tp} of {len(truth)} known, {len(flagged)} flagged)"


def _replay_line(report: ReplayReport, truth: set[tuple[str, str]], ids: dict[str, str]) -> str:
    proposal = ", ".join(f"{k}={v:g}" for k, v in report.overrides.items()) or "current policy"
    flagged = {(ids.get(f.channel, f.channel), f.ts) for f in report.flagged}
    a = report.agreement
    agreement = (
        f"agreement with {a.decided} decisions: precision {a.precision}, recall {a.recall}"
        if a.decided
        else "no decisions to compare"
    )
    return (
        f"Replay ({proposal}): {len(report.flagged)} flagged in {report.alerts} alerts (current policy "
        f"{report.current_flagged}; {len(report.added)} added, {len(report.dropped)} dropped); {agreement}; "
        f"vs the answer key: {_pr(flagged, truth)}."
    )


def moderation_section(ctx: Context) -> list[str]:
    svc = ctx.moderation
    names = ctx.archive.member_names()
    channels = {c.id: c.name for c in ctx.archive.channels()}
    ids = {name: cid for cid, name in channels.items()}
    flags = svc.store.flags()
    policy = svc.policy()
    lines = [
        f"Default policy {', '.join(f'{k} ≥ {v:.2f}' for k, v in sorted(policy.effective.items()))}: "
        f"{len(flags)} flags in {len(svc.store.alerts())} alerts over "
        f"{ctx.archive.count_messages()} messages."
    ]
    lines += [_describe(f, names, channels) for f in flags]
    key = _answer_key(ctx)
    truth = {(t["channel"], t["ts"]) for t in key.get("toxic", []) + key.get("false_claims", [])}
    flagged = {(f.channel_id, f.ts) for f in flags}
    if truth:
        clauses = {(t["channel"], t["ts"]): t["clause"] for t in key.get("toxic", [])}
        cited = sum(1 for f in flags if f.clause_ref and clauses.get((f.channel_id, f.ts)) == f.clause_ref.number)
        lines.append(
            f"Against the sample's answer key: {_pr(flagged, truth)}; the right clause cited for {cited} of "
            f"{len(clauses)} known toxic messages."
        )
    moderator = next(iter(key.get("moderators", [])), None)
    if moderator and flags:
        outsider = next((m for m in names if not svc.is_moderator(m)), "U000NOBODY")
        refused = svc.act(flags[0].id or 0, ModerationActionKind.DISMISS, outsider)
        lines.append(f"{names.get(outsider, outsider)} (not a moderator) pressed dismiss: “{refused.message}”")
        for f in flags:
            if (f.channel_id, f.ts) not in truth and f.id is not None:
                svc.act(f.id, ModerationActionKind.FALSE_POSITIVE, moderator, note="simulated demo decision")
        fps = [f for f in flags if (f.channel_id, f.ts) not in truth]
        lines.append(
            f"Simulated: {names.get(moderator, moderator)} marked the {len(fps)} flags outside the answer key as "
            "false positives."
        )
        target = next((f for f in flags if (f.channel_id, f.ts) in truth), None)
        if target is not None and target.id is not None:
            warned = svc.act(target.id, ModerationActionKind.WARN, moderator)
            lines.append(f"Warn pressed on flag {target.id}: {warned.message}")
        report = svc.calibrate(apply=True)
        for c in report.changes:
            where = f"#{c.channel_name or c.channel_id} {c.judgment}"
            if c.after == c.before:
                lines.append(f"Learned from decisions: {where} stays at {c.after:.2f} ({c.reason}).")
                continue
            lines.append(
                f"Learned from decisions: {where} {c.before:.2f} → {c.after:.2f} ({c.reason}; "
                f"{c.false_positives_avoided} false positives avoided, {c.true_flags_lost} upheld flags lost)."
            )
        for s in report.allow_suggestions:
            lines.append(f"Allow-list suggestion: “{s['term']}” in #{channels.get(str(s['channel_id']), '')}.")
    base = svc.replay()
    current = policy.effective.get("toxicity") or 0.7
    # the first stricter threshold (in steps of 0.1) that changes what is flagged, so the replay shows a difference
    for step in (0.1, 0.2, 0.25):
        strict_value = round(min(0.99, current + step), 2)
        strict = svc.replay(overrides={"toxicity": strict_value})
        if strict.dropped:
            break
    lines.append(_replay_line(base, truth, ids))
    lines.append(_replay_line(strict, truth, ids))
    for d in strict.dropped:
        m = ctx.archive.find_message(ids.get(d.channel, d.channel), d.ts)
        lines.append(
            f"  dropped by toxicity={strict_value:g}: #{d.channel} {d.score:.2f} “{(m.text if m else '')[:100]}”"
        )
    busiest = sorted(svc.daily_volume(), key=lambda d: -d.alerts)[:3]
    if busiest:
        lines.append(
            "Busiest alert days: "
            + "; ".join(f"#{d.channel_name or d.channel_id} {d.day}: {d.alerts} alerts" for d in busiest)
        )
    return lines

"""Moderation commands: ``replay`` a proposed policy over history, export the ``audit`` log, show or change a
channel's ``policy``. Each parses, calls ``ModerationService`` and prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.common import DataDirOpt, JsonOpt, make_context, operator
from assistant.cli.output import console, err_console, print_json
from assistant.errors import ConfigError
from assistant.moderation.models import CalibrationReport, ChannelPolicy, ReplayReport


def replay(
    channel: Annotated[
        str | None, typer.Option("--channel", "-c", help="Channel id or name (default: all)")
    ] = None,
    since: Annotated[float | None, typer.Option("--since", help="Only the last DAYS days (default: all)")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Proposed threshold, judgment=threshold (repeatable), e.g. toxicity=0.8"),
    ] = None,
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Re-judge stored history under a proposed policy: what it would flag, and agreement with past decisions."""
    overrides = {k: v for k, v in _assignments(set_ or []).items() if v is not None}
    ctx = make_context(data_dir)
    report = ctx.moderation.replay(channel, since_days=since, overrides=overrides)
    if json_out:
        print_json(report.model_dump(mode="json"))
        return
    render_replay(report)


def render_replay(report: ReplayReport) -> None:
    where = f"#{report.channel}" if report.channel else "all channels"
    proposal = ", ".join(f"{k}={v:g}" for k, v in report.overrides.items()) or "the current policy"
    console.print(
        f"Replayed {proposal} over {report.judged} messages in {where}"
        f" ({f'last {report.since_days:g} days' if report.since_days else 'all history'}):"
        f" {len(report.flagged)} flagged in {report.alerts} alerts (current policy: {report.current_flagged});"
        f" {len(report.added)} added, {len(report.dropped)} dropped."
    )
    table = Table(title="Would be flagged")
    for col in ("channel", "ts", "judgment", "score", "clause"):
        table.add_column(col)
    for f in report.flagged:
        table.add_row(f.channel, f.ts, f.judgment, f"{f.score:.2f}", f.clause or "")
    console.print(table)
    a = report.agreement
    if a.decided:
        console.print(
            f"Agreement with {a.decided} past moderator decisions: precision "
            f"{'n/a' if a.precision is None else f'{a.precision:.2f}'}, recall "
            f"{'n/a' if a.recall is None else f'{a.recall:.2f}'} (TP {a.true_positive}, FP {a.false_positive}, "
            f"FN {a.false_negative}, TN {a.true_negative})."
        )
    else:
        console.print("No moderator decisions are stored yet, so agreement cannot be measured.")


def audit(
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl")] = "jsonl",
    since: Annotated[float | None, typer.Option("--since", help="Only the last DAYS days")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Only this action, e.g. policy_changed")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout")] = None,
    data_dir: DataDirOpt = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="JSON lines on stdout (same as --format jsonl).")
    ] = False,
) -> None:
    """Export the append-only audit log (flags, actions, refusals, policy changes) as CSV or JSON lines."""
    if json_out:
        fmt = "jsonl"
    if fmt not in ("csv", "jsonl"):
        raise ConfigError(f"Unknown format {fmt!r}: use csv or jsonl.")
    ctx = make_context(data_dir)
    events = ctx.moderation.audit_log(since_days=since, action=action)
    from assistant.moderation import audit as audit_export

    text = audit_export.export(events, "csv" if fmt == "csv" else "jsonl")
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    err_console.print(f"Wrote {len(events)} audit events to {out}.")


def policy(
    channel: Annotated[
        str | None, typer.Argument(help="Channel id or name; omit (or '*') for the workspace")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="judgment=threshold or judgment=off (repeatable)")
    ] = None,
    enable: Annotated[bool | None, typer.Option("--enable/--disable", help="Switch moderation on or off")] = None,
    shadow: Annotated[
        bool | None, typer.Option("--shadow/--no-shadow", help="Shadow mode: judge and log, alert no one")
    ] = None,
    exempt: Annotated[bool | None, typer.Option("--exempt/--no-exempt", help="Exempt the channel")] = None,
    exempt_member: Annotated[list[str] | None, typer.Option("--exempt-member", help="Member id to exempt")] = None,
    unexempt_member: Annotated[list[str] | None, typer.Option("--unexempt-member")] = None,
    allow: Annotated[list[str] | None, typer.Option("--allow", help="Allow-list a term (repeatable)")] = None,
    disallow: Annotated[list[str] | None, typer.Option("--disallow", help="Remove an allow-listed term")] = None,
    calibrate: Annotated[
        bool, typer.Option("--calibrate", help="Learn thresholds from moderator decisions and apply them")
    ] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log)")] = "",
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a channel's moderation policy, or change it (every change goes to the audit log)."""
    ctx = make_context(data_dir)
    service = ctx.moderation
    changes = {
        "thresholds": _assignments(set_) if set_ else None,
        "enabled": enable,
        "shadow": shadow,
        "exempt": exempt,
        "add_exempt_members": exempt_member,
        "remove_exempt_members": unexempt_member,
        "add_allow_terms": allow,
        "remove_allow_terms": disallow,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    calibration: CalibrationReport | None = None
    if calibrate:
        calibration = service.calibrate(channel, apply=True)
    if changes:
        result = service.set_policy(channel, operator(), reason=reason, **changes)
    else:
        result = service.policy(channel)
    if json_out:
        payload = result.model_dump(mode="json") | {"effective": result.effective}
        if calibration is not None:
            payload["calibration_report"] = calibration.model_dump(mode="json")
        print_json(payload)
        return
    render_policy(result)
    if calibration is not None:
        render_calibration(calibration)


def render_policy(p: ChannelPolicy) -> None:
    where = "the workspace" if p.channel_id == "*" else f"#{p.channel_name or p.channel_id}"
    state = "off" if not p.active else ("shadow mode (judged and logged, no alerts)" if p.shadow else "on")
    console.print(f"Moderation policy of {where}: {state}.")
    for name, base in sorted(p.thresholds.items()):
        eff = p.threshold(name)
        learned = f" (base {base:.2f}, learned {p.calibration[name]:+.2f})" if name in p.calibration else ""
        console.print(f"  {name}: flag at {eff:.2f}{learned}")
    if p.exempt_members:
        console.print(f"  exempt members: {', '.join(p.exempt_members)}")
    if p.allow_terms:
        console.print(f"  allow-listed terms: {', '.join(p.allow_terms)}")


def render_calibration(report: CalibrationReport) -> None:
    if not report.changes:
        console.print("No channel has enough moderator decisions to calibrate yet.")
    for c in report.changes:
        console.print(
            f"#{c.channel_name or c.channel_id} {c.judgment}: {c.before:.2f} -> {c.after:.2f} ({c.reason}); "
            f"of {c.decided} decided flags, {c.false_positives_avoided} false positives would be avoided and "
            f"{c.true_flags_lost} upheld flags lost."
        )
    for s in report.allow_suggestions:
        console.print(
            f"Suggest allow-listing {s['term']!r} in {s['channel_id']} ({s['false_positives']} false positives)."
        )


def register(app: typer.Typer) -> None:
    app.command()(replay)
    app.command()(audit)
    app.command()(policy)


def _assignments(values: list[str]) -> dict[str, float | None]:
    from assistant.moderation.policy import parse_assignments  # imports the archive: only when asked

    return parse_assignments(values)

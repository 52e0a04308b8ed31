"""Insight commands for managers: ask, wants, metrics, members, digest, report (thin: parse, call, print)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from assistant.cli.common import DataDirOpt, JsonOpt, make_context
from assistant.cli.output import console, print_json

ChannelOpt = Annotated[str | None, typer.Option("--channel", "-c", help="Channel name (with or without #) or ID.")]


def ask(
    question: Annotated[str, typer.Argument(help='e.g. "What does #design want?"')],
    channel: ChannelOpt = None,
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Answer a question from the community's own messages, with numbers and cited messages."""
    ctx = make_context(data_dir)
    answer = ctx.qa.ask(question, channel=channel)
    if json_out:
        print_json(answer.model_dump(mode="json", exclude_none=True))
        return
    console.print(answer.answer, highlight=False)
    if answer.citations:
        console.rule("sources", style="dim")
        for i, c in enumerate(answer.citations, start=1):
            where = c.permalink or f"#{c.channel} {c.ts}"
            console.print(f"[{i}] {c.user or ''} ({where}): {c.text[:200]}", highlight=False, markup=False)


def wants(channel: ChannelOpt = None, data_dir: DataDirOpt = None, json_out: JsonOpt = False) -> None:
    """List what each channel wants: themes of requests with their size, askers, trend and messages."""
    ctx = make_context(data_dir)
    result = ctx.insights.wants(channel)
    if json_out:
        print_json([w.citation_view() for w in result])
        return
    if not result:
        console.print("No messages judged as requests yet.")
    for w in result:
        console.rule(f"#{w.channel_name} — {w.wants} requests")
        for t in w.themes:
            console.print(
                f"[bold]{t.label}[/]: {t.size} requests from {t.distinct_members} members "
                f"({', '.join(t.member_names)}), {t.trend}",
                highlight=False,
            )
            for c in t.representatives:
                console.print(f"   “{c.text[:160]}” — {c.user}, {c.ts}", highlight=False, markup=False)
        if w.one_offs:
            console.print(f"{len(w.one_offs)} one-off requests", style="dim")


def metrics(
    channel: ChannelOpt = None,
    period: Annotated[str, typer.Option(help="day, week or month")] = "week",
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Engagement per channel (and the workspace) over the calendar period (UTC; ISO week) containing the newest
    message, up to that message; Δ compares with the same span of the period before."""
    if period not in ("day", "week", "month"):
        raise typer.BadParameter("period must be day, week or month")
    p: Literal["day", "week", "month"] = period  # type: ignore[assignment]
    ctx = make_context(data_dir)
    rows = [ctx.insights.channel_metrics(channel, p)] if channel else ctx.insights.all_channel_metrics(p)
    workspace = None if channel else ctx.insights.workspace_metrics(p)
    if json_out:
        print_json({"channels": rows, "workspace": workspace})
        return
    shown = rows[0] if rows else workspace
    table = Table(
        title=f"Engagement {shown.window.label} ({shown.start:%Y-%m-%d %H:%M} – {shown.end:%Y-%m-%d %H:%M} UTC), "
        f"Δ vs {shown.window.comparison}"
        if shown
        else f"Engagement this {period}"
    )
    for col in (
        "channel",
        "msgs",
        "Δ",
        "active/members",
        "reply rate",
        "median reply",
        "reactions/msg",
        "new",
        "mood",
    ):
        table.add_column(col)
    for m in [*rows, *([workspace] if workspace else [])]:
        delta = m.trend.get("messages_pct")
        table.add_row(
            m.channel_name if m.channel_id is None else f"#{m.channel_name}",
            str(m.messages),
            f"{delta:+.0%}" if delta is not None else "–",
            f"{m.active_members}/{m.members}",
            f"{m.reply_rate:.0%}" if m.reply_rate is not None else "–",
            f"{m.median_first_reply_minutes:.0f} min" if m.median_first_reply_minutes is not None else "–",
            f"{m.reactions_per_message:.2f}" if m.reactions_per_message is not None else "–",
            str(len(m.new_members)),
            m.sentiment.mood,
        )
    console.print(table)


def members(channel: ChannelOpt = None, data_dir: DataDirOpt = None, json_out: JsonOpt = False) -> None:
    """Members to recognise, members who went quiet, unanswered newcomers and twinning suggestions."""
    ctx = make_context(data_dir)
    overview = ctx.insights.members_overview(channel)
    if json_out:
        print_json(overview)
        return
    top, quiet = overview.top_contributors, overview.quiet
    newcomers, twins = overview.unanswered_newcomers, overview.twins
    console.rule("Recognise")
    for c in top:
        console.print(
            f"{c.name}: {c.messages} messages, {c.helpful_replies} helpful replies, "
            f"{c.reactions_received} reactions, longest streak {c.longest_streak_weeks} weeks",
            highlight=False,
        )
    console.rule("Went quiet")
    for q in quiet:
        console.print(f"{q.name}: silent {q.silent_weeks} weeks (last {q.last_active:%Y-%m-%d})", highlight=False)
    console.rule("Unanswered newcomers")
    for n in newcomers:
        console.print(
            f"{n.name} in #{n.channel_name}, waiting {n.waiting_days} days: {n.first_message.text[:120]}",
            highlight=False,
            markup=False,
        )
    console.rule("Who should meet")
    for t in twins:
        console.print(t.reason, highlight=False, markup=False)


def digest(
    manager: Annotated[str | None, typer.Option("--manager", help="Slack user id of the manager")] = None,
    channel: Annotated[list[str] | None, typer.Option("--channel", "-c", help="Channel(s) to include")] = None,
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The weekly digest: per channel numbers, mood, wants, quiet members, newcomers, people to recognise."""
    ctx = make_context(data_dir)
    result = ctx.insights.digest(manager_id=manager, channels=channel or None)
    if json_out:
        print_json(result)
        return
    console.print(result.text(), highlight=False, markup=False)


def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write")] = Path("community-report.html"),
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write a self-contained HTML report with charts (activity, sentiment, wants, member flow)."""
    ctx = make_context(data_dir)
    path = ctx.insights.report(out)
    if json_out:
        print_json({"path": str(path.resolve()), "bytes": path.stat().st_size})
        return
    console.print(f"Report written to {path.resolve()} ({path.stat().st_size // 1024} KiB).")


def register(app: typer.Typer) -> None:
    app.command()(ask)
    app.command()(wants)
    app.command()(metrics)
    app.command()(members)
    app.command()(digest)
    app.command()(report)

"""``assistant summarize``: a thread (``--thread CHANNEL:TS``) or a channel recap (``--channel C --since 7d``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from assistant.cli.common import DataDirOpt, JsonOpt, make_context
from assistant.cli.output import console, print_json
from assistant.errors import ConfigError

_PERIOD = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.I)


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """``7d``, ``24h``, ``2w`` or an ISO date/time (UTC when no zone is given)."""
    now = now or datetime.now(UTC)
    m = _PERIOD.match(value)
    if m:
        amount, unit = int(m.group(1)), m.group(2).lower()
        return (
            now - {"h": timedelta(hours=amount), "d": timedelta(days=amount), "w": timedelta(weeks=amount)}[unit]
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"--since {value!r} is not a period like 7d, 24h, 2w or a date like 2024-05-01."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_thread_ref(value: str) -> tuple[str, str]:
    channel, sep, ts = value.rpartition(":")
    if not sep or not channel or not re.fullmatch(r"\d+(?:\.\d+)?", ts):
        raise ConfigError(
            f"--thread {value!r} is not CHANNEL:TS, e.g. C03HELP9ZT:1793109937.629703 or help:1793109937.629703."
        )
    return channel, ts


def summarize(
    thread: Annotated[
        str | None, typer.Option("--thread", help="CHANNEL:TS of a thread (channel id or name).")
    ] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="Channel id or name for a recap.")] = None,
    since: Annotated[str, typer.Option("--since", help="Recap period start: 7d, 24h, 2w or an ISO date.")] = "7d",
    until: Annotated[str | None, typer.Option("--until", help="Recap period end (ISO date); default now.")] = None,
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Summarise a thread, or recap the threads that mattered most in a channel over a period."""
    if bool(thread) == bool(channel):
        raise ConfigError("Give exactly one of --thread CHANNEL:TS or --channel C.")
    ctx = make_context(data_dir)
    from assistant.summaries import render_recap_text, render_text

    names = ctx.archive.member_names()
    if thread:
        channel_ref, ts = parse_thread_ref(thread)
        summary = ctx.summaries.thread(channel_ref, ts)
        if json_out:
            print_json(summary)
        else:
            console.print(render_text(summary, names), highlight=False, markup=False)
        return
    assert channel is not None
    start = parse_since(since)
    end = parse_since(until) if until else None
    recap = ctx.summaries.recap(channel, start, end)
    if json_out:
        print_json(recap)
    else:
        console.print(render_recap_text(recap, names), highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command("summarize")(summarize)

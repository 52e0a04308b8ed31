"""Foundation commands: ingest an export, run the demo, apply retention."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from assistant.cli.common import DataDirOpt, JsonOpt, make_context
from assistant.cli.output import console, err_console, print_json
from assistant.config import load_settings
from assistant.demo import DemoReport, run_demo
from assistant.ingest import read_export


def ingest(
    path: Annotated[Path, typer.Argument(help="Slack export folder or .zip")],
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
    include_dms: Annotated[
        bool,
        typer.Option(
            "--include-dms",
            help="Also read direct messages and group DMs (stored private; default: ASSISTANT_INGEST_DIRECT_MESSAGES).",
        ),
    ] = False,
) -> None:
    """Ingest a Slack workspace export (idempotent): archive, encode, judge and index every message."""
    started = time.perf_counter()
    include_dms = include_dms or load_settings().ingest_direct_messages
    ctx = make_context(data_dir)
    with ctx.archive.writer_lock(what="ingest"):  # one writer at a time: a second ingest stops here, at once
        # A bad path fails here, before models load.
        contents = read_export(path, progress=not json_out, include_direct_messages=include_dms)
        report = ctx.pipeline.ingest_contents(contents, str(path), started=started, progress=not json_out)
    result = {
        "source": str(path),
        "channels": report.channels,
        "members": report.members,
        "files_read": report.files_read,
        "inserted": report.upserts.inserted,
        "updated": report.upserts.updated,
        "unchanged": report.upserts.unchanged,
        "processed": report.processed,
        "problems": [str(p) for p in report.problems],
        "seconds": round(report.seconds, 2),
    }
    for problem in report.problems:
        err_console.print(f"[yellow]warning:[/] {problem}", highlight=False)
    if json_out:
        print_json(result)
        return
    console.print(
        f"Ingested {path}: {report.channels} channels, {report.members} members, "
        f"{report.upserts.inserted} new / {report.upserts.updated} changed / {report.upserts.unchanged} unchanged "
        f"messages from {report.files_read} files in {report.seconds:.1f}s."
    )


def demo(data_dir: DataDirOpt = None, json_out: JsonOpt = False) -> None:
    """Run the main job on embedded defaults: the bundled sample workspace, local models, Chroma, SQLite."""
    ctx = make_context(data_dir or Path("assistant-data") / "demo")
    if ctx.settings.data_dir.exists():  # a fresh data directory, as run_demo makes it, before the archive opens
        shutil.rmtree(ctx.settings.data_dir)
    with ctx.archive.writer_lock(what="demo"):
        report = run_demo(ctx, fresh=False, progress=not json_out)
    if json_out:
        print_json(report)
        return
    render_demo(report)


def render_demo(report: DemoReport) -> None:
    console.rule("[bold]Community assistant — demo on the sample workspace")
    ing = report.ingest
    console.print(
        f"Data directory: {report.data_dir}\nIngested {ing['messages_new']} messages, {ing['channels']} channels, "
        f"{ing['members']} members in {ing['seconds']}s (encoded, judged and indexed {ing['processed']})."
    )
    table = Table(title="Activity per channel")
    for col in ("channel", "messages", "members", "active", "threads", "reactions", "from", "to"):
        table.add_column(col)
    for c in report.channels:
        table.add_row(
            f"#{c.name}",
            str(c.messages),
            str(c.members),
            str(c.active_members),
            str(c.threads),
            str(c.reactions),
            c.first or "",
            c.last or "",
        )
    console.print(table)
    for name, section in report.sections.items():
        console.rule(f"[bold]{name}")
        _render_section(section)


def _render_section(section: Any, indent: int = 0) -> None:
    """Sections are strings, lists or dicts of those: headings for keys, bullets for lists, text as is."""
    pad = " " * indent
    if isinstance(section, dict):
        for key, value in section.items():
            console.print(f"{pad}[bold]{key}[/]", highlight=False)
            _render_section(value, indent + 2)
    elif isinstance(section, list):
        for item in section:
            if isinstance(item, dict | list):
                _render_section(item, indent + 2)
            else:
                console.print(f"{pad}• {item}", highlight=False, markup=False)
    else:
        console.print(f"{pad}{section}", highlight=False, markup=False)


def retention(data_dir: DataDirOpt = None, json_out: JsonOpt = False) -> None:
    """Delete messages older than ASSISTANT_RETENTION_DAYS from the archive and the index."""
    ctx = make_context(data_dir)
    deleted = ctx.apply_retention()
    if json_out:
        print_json({"deleted": deleted, "retention_days": ctx.settings.retention_days})
    else:
        console.print(f"Deleted {deleted} messages (retention: {ctx.settings.retention_days or 'off'} days).")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(demo)
    app.command()(retention)

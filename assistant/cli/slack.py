"""Slack commands: ``serve`` (Socket Mode, or HTTP with ``--http``) and ``backfill`` (read channel history)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from assistant.cli.common import DataDirOpt, JsonOpt, make_context
from assistant.cli.output import console, err_console, print_json

logger = logging.getLogger(__name__)


def serve(
    http: Annotated[bool, typer.Option("--http", help="Serve HTTP (signed requests at /slack/events).")] = False,
    host: Annotated[str, typer.Option("--host", help="HTTP mode: interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="HTTP mode: port.")] = 3000,
    data_dir: DataDirOpt = None,
) -> None:
    """Run the Slack app: Socket Mode by default (needs SLACK_APP_TOKEN), HTTP mode with --http."""
    from assistant.slack.app import build_app
    from assistant.slack.digests import DigestTimer
    from assistant.slack.http import serve_http, store_readiness
    from assistant.slack.maintenance import RetentionTimer
    from assistant.slack.redelivery import RedeliveryTimer
    from assistant.slack.socket import check_app_token, serve_socket
    from assistant.slack.surveys import SurveyTimer

    ctx = make_context(data_dir)
    app_token = ctx.settings.slack_app_token.get_secret_value() if ctx.settings.slack_app_token else None
    if not http:
        check_app_token(app_token)  # fail fast, before connecting or loading models
    app, runtime = build_app(ctx)
    runtime.background.submit(runtime.catch_up)  # e.g. after an encoder upgrade emptied the index
    retention = RetentionTimer(ctx, runtime.work_lock)
    retention.start()
    redelivery = RedeliveryTimer(runtime)  # events and alerts that met an outage, retried with backoff
    redelivery.start()
    digests = DigestTimer(runtime)
    if ctx.settings.managers:
        digests.start()
    surveys = SurveyTimer(runtime)  # closes surveys on time and sends their creators the results
    surveys.start()

    def announce() -> None:
        where = f"HTTP on http://{host}:{port}/slack/events" if http else "Socket Mode"
        err_console.print(
            f"Community assistant is running as <@{runtime.bot_user_id}> ({where}). Ctrl-C stops.",
            highlight=False,
            soft_wrap=True,
        )

    try:
        if http:
            announce()
            serve_http(app, host, port, readiness=store_readiness(ctx))
        else:
            serve_socket(app, app_token, on_connected=announce)
    finally:
        retention.stop()
        redelivery.stop()
        digests.stop()
        surveys.stop()
        runtime.close()
        ctx.close()


def backfill(
    channels: Annotated[
        list[str] | None, typer.Argument(help="Channel ids or names; default: every channel the app is in.")
    ] = None,
    pace: Annotated[
        float, typer.Option("--pace", min=0.0, help="Seconds between Web API calls (tier 3: 1.2).")
    ] = 1.2,
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Read channel history and threads into the archive and index (resumable; re-runs fetch only new messages)."""
    from assistant.slack.app import build_app

    ctx = make_context(data_dir)
    _app, runtime = build_app(ctx, backfill_interval=pace)
    try:
        ids = (
            [runtime.directory.resolve_channel(c) for c in channels]
            if channels
            else [c.id for c in runtime.directory.bot_channels()]
        )
        reports = []
        for channel_id in ids:
            report = runtime.backfiller.channel(channel_id)
            reports.append(report)
            if not json_out:
                console.print(
                    f"{channel_id}: {report.messages} messages ({report.threads} threads, {report.pages} pages)"
                    f"{' — resumed' if report.resumed else ''} in {report.seconds:.1f}s"
                )
        if json_out:
            print_json([r.model_dump() for r in reports])
        elif not ids:
            console.print("The app is not in any channel yet; invite it with /invite @Community Assistant.")
    finally:
        runtime.close()
        ctx.close()


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(backfill)

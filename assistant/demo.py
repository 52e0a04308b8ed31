"""The main job on embedded defaults: ingest the bundled sample workspace into a fresh data directory and
report what the assistant sees, channel by channel. Each capability adds its section here."""

from __future__ import annotations

import importlib
import logging
import shutil
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from assistant.context import Context
from assistant.knowledge import default_knowledge_dir

logger = logging.getLogger(__name__)


class ChannelActivity(BaseModel):
    id: str
    name: str
    messages: int
    members: int
    active_members: int
    threads: int
    reactions: int
    first: str | None = None
    last: str | None = None


class DemoReport(BaseModel):
    data_dir: str
    source: str
    ingest: dict[str, Any]
    channels: list[ChannelActivity]
    sections: dict[str, Any] = Field(default_factory=dict)


def sample_workspace_dir() -> str:
    return str(default_knowledge_dir() / "sample_workspace")


def channel_activity(ctx: Context) -> list[ChannelActivity]:
    out: list[ChannelActivity] = []
    for channel in ctx.archive.channels():
        talk = ctx.archive.messages(channel.id, conversation_only=True)
        out.append(
            ChannelActivity(
                id=channel.id,
                name=channel.name,
                messages=len(talk),
                members=len(channel.members),
                active_members=len({m.user_id for m in talk}),
                threads=sum(1 for m in talk if m.is_thread_parent and m.reply_count),
                reactions=sum(m.reaction_count for m in talk),
                first=talk[0].time.date().isoformat() if talk else None,
                last=talk[-1].time.date().isoformat() if talk else None,
            )
        )
    return out


def _lazy(module: str, name: str) -> Callable[[Context], Any]:
    """The section builder ``module.name``, imported when the demo runs it (each pulls in its capability)."""

    def build(ctx: Context) -> Any:
        return getattr(importlib.import_module(module), name)(ctx)

    return build


#: Sections other capabilities contribute: name -> function building a JSON-able section from the context.
SECTIONS: list[tuple[str, Callable[[Context], Any]]] = [
    ("Summaries", _lazy("assistant.summaries.demo", "summaries_section")),
    ("Moderation", _lazy("assistant.moderation.demo", "moderation_section")),
    ("Insights", _lazy("assistant.insights.demo", "insights_section")),
    ("Surveys, milestones and who should meet", _lazy("assistant.surveys.demo", "engagement_section")),
]


def run_demo(ctx: Context, *, fresh: bool = True, progress: bool = False) -> DemoReport:
    if fresh and ctx.settings.data_dir.exists():
        shutil.rmtree(ctx.settings.data_dir)
    source = sample_workspace_dir()
    report = ctx.pipeline.ingest_export(source, progress=progress)
    demo = DemoReport(
        data_dir=str(ctx.settings.data_dir),
        source=source,
        ingest={
            "channels": report.channels,
            "members": report.members,
            "messages_new": report.upserts.inserted,
            "processed": report.processed,
            "problems": [str(p) for p in report.problems],
            "seconds": round(report.seconds, 2),
        },
        channels=channel_activity(ctx),
    )
    for name, build in SECTIONS:
        demo.sections[name] = build(ctx)
    return demo

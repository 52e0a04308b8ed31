"""Citations shown to a person: only from channels they may see, each with a link to the message."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.domain import Citation
from assistant.errors import AssistantError
from assistant.slack.runtime import SlackRuntime


def visible_citations(runtime: SlackRuntime, citations: Sequence[Citation], visible: set[str]) -> list[Citation]:
    """Drop any citation outside ``visible`` (defence in depth) and add permalinks where missing."""
    out: list[Citation] = []
    for c in citations:
        try:
            channel_id = runtime.directory.resolve_channel(c.channel)
        except AssistantError:
            continue
        if channel_id not in visible:
            continue
        link = c.permalink or runtime.permalink(channel_id, c.ts)
        out.append(c.model_copy(update={"permalink": link}))
    return out

"""Slack message links (permalinks) to a channel id and thread ts, and back."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from pydantic import BaseModel

_ARCHIVES = re.compile(r"/archives/([CGD][A-Z0-9]+)/p(\d{10})(\d{6})")


class MessageRef(BaseModel):
    channel_id: str
    ts: str
    thread_ts: str

    @property
    def target(self) -> str:
        """The thread a link points into (the parent for a reply link)."""
        return self.thread_ts


def parse_message_link(text: str) -> MessageRef | None:
    """``https://x.slack.com/archives/C1/p1700000000123456?thread_ts=...`` -> channel, ts, thread ts."""
    for token in text.replace("<", " ").replace(">", " ").replace("|", " ").split():
        parsed = urlparse(token)
        match = _ARCHIVES.search(parsed.path)
        if not match:
            continue
        ts = f"{match.group(2)}.{match.group(3)}"
        thread = parse_qs(parsed.query).get("thread_ts", [ts])[0]
        try:
            float(thread)
        except ValueError:
            thread = ts
        return MessageRef(channel_id=match.group(1), ts=ts, thread_ts=thread)
    return None


def message_link(team_url: str, channel_id: str, ts: str, thread_ts: str | None = None) -> str:
    """The documented permalink format, built locally (no ``chat.getPermalink`` call per line)."""
    base = team_url.rstrip("/") + f"/archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        base += f"?thread_ts={thread_ts}&cid={channel_id}"
    return base

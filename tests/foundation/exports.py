"""Builds tiny Slack exports (original text written for these tests) in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CHANNELS = [
    {
        "id": "C100",
        "name": "design",
        "created": 1767225600,
        "members": ["U1", "U2"],
        "topic": {"value": "UI"},
    },
    {"id": "C200", "name": "help", "created": 1767225600, "members": ["U1", "U2", "U3"]},
]
USERS = [
    {"id": "U1", "name": "maria", "real_name": "Maria Silva", "profile": {"display_name": "maria"}},
    {"id": "U2", "name": "joao", "real_name": "João Costa", "profile": {"display_name": ""}},
    {"id": "U3", "name": "bot", "is_bot": True},
]

# 2026-01-05 09:00 UTC = 1767603600
DAY1 = 1767603600
DAY2 = DAY1 + 86400


def ts(base: int, offset: int) -> str:
    return f"{base + offset}.000100"


def design_day1() -> list[dict[str, Any]]:
    return [
        {
            "type": "message",
            "user": "U1",
            "text": "Could we get a dark mode? <@U2> what do you think?",
            "ts": ts(DAY1, 0),
            "thread_ts": ts(DAY1, 0),
            "reply_count": 2,
            "reply_users": ["U2"],
            "reactions": [{"name": "thumbsup", "users": ["U2"], "count": 1}],
        },
        {
            "type": "message",
            "user": "U2",
            "text": "Yes please, see <#C200|help> and <https://example.org/dm|this mock>",
            "ts": ts(DAY1, 60),
            "thread_ts": ts(DAY1, 0),
            "parent_user_id": "U1",
        },
        {
            "type": "message",
            "subtype": "channel_join",
            "user": "U2",
            "text": "<@U2> has joined the channel",
            "ts": ts(DAY1, 120),
        },
    ]


def design_day2() -> list[dict[str, Any]]:
    return [
        {
            "type": "message",
            "user": "U1",
            "text": "Agreed, let's do it next sprint &amp; ship it.",
            "ts": ts(DAY2, 0),
            "thread_ts": ts(DAY1, 0),
            "parent_user_id": "U1",
            "edited": {"user": "U1", "ts": ts(DAY2, 30)},
        },
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B1",
            "username": "ci",
            "text": "Build passed",
            "ts": ts(DAY2, 100),
        },
    ]


def help_day1() -> list[dict[str, Any]]:
    return [
        {"type": "message", "user": "U2", "text": "How do I reset the printer?", "ts": ts(DAY1, 10)},
        {
            "type": "message",
            "user": "U1",
            "text": "This message was deleted.",
            "subtype": "tombstone",
            "ts": ts(DAY1, 20),
        },
    ]


def write_export(root: Path, *, corrupt: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "channels.json").write_text(json.dumps(CHANNELS), encoding="utf-8")
    (root / "users.json").write_text(json.dumps(USERS), encoding="utf-8")
    (root / "design").mkdir(exist_ok=True)
    (root / "help").mkdir(exist_ok=True)
    (root / "design" / "2026-01-05.json").write_text(json.dumps(design_day1()), encoding="utf-8")
    (root / "design" / "2026-01-06.json").write_text(json.dumps(design_day2()), encoding="utf-8")
    (root / "help" / "2026-01-05.json").write_text(json.dumps(help_day1()), encoding="utf-8")
    if corrupt:
        (root / "help" / "2026-01-06.json").write_text('[{"type": "message", "text": "cut off', encoding="utf-8")
        bad_rows = [
            {"type": "message", "user": "U2", "text": "no timestamp here"},
            {"type": "message", "user": "U2", "text": "still fine", "ts": ts(DAY2, 500)},
        ]
        (root / "help" / "2026-01-07.json").write_text(json.dumps(bad_rows), encoding="utf-8")
    return root

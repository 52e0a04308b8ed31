"""Slack markup to readable text: ``<@U123>`` -> ``@maria``, ``<#C1|design>`` -> ``#design``, links, entities."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping

_TOKEN = re.compile(r"<([^<>\n]{1,2000})>")
#: Zero-width and bidi control characters that carry no meaning for judging or search (ZWJ kept for emoji).
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")
)


def resolve_markup(
    text: str,
    users: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> str:
    """Readable text for people, judgments and search; the raw text is kept separately."""
    users = users or {}
    channels = channels or {}

    def replace(match: re.Match[str]) -> str:
        body = match.group(1)
        target, _, label = body.partition("|")
        if target.startswith("@"):
            uid = target[1:]
            return "@" + (label or users.get(uid) or uid)
        if target.startswith("#"):
            cid = target[1:]
            return "#" + (label or channels.get(cid) or cid)
        if target.startswith("!"):
            special = target[1:].split("^")[0]
            if special.startswith("subteam"):
                return "@" + (label.lstrip("@") if label else "group")
            if special.startswith("date"):
                return label or "a date"
            return "@" + special
        if target.startswith(("http://", "https://", "mailto:")):
            if target.startswith("mailto:"):
                return label or target.removeprefix("mailto:")
            return f"{label} ({target})" if label and label != target else target
        return match.group(0)

    out = _TOKEN.sub(replace, text or "")
    out = html.unescape(out)
    return clean_text(out)


def clean_text(text: str) -> str:
    """NFC-normalise, drop invisible control characters, keep newlines."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()

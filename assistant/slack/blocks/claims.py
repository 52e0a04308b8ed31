"""Blocks of the “Mark as false claim” shortcut: the modal, and what the moderator is told after saving."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from assistant.claims import Claim, Repeat
from assistant.slack.blocks.common import escape, quote, section, truncate, ts_label
from assistant.slack.blocks.mentions import channel_mention

MODAL_CALLBACK = "mark_false_claim_modal"
CLAIM_BLOCK, CORRECTION_BLOCK, SOURCE_BLOCK, VERDICT_BLOCK = "claim", "correction", "source", "verdict"
VALUE = "value"
#: Earlier repeats listed to the moderator (newest first).
LISTED_REPEATS = 10


def claim_modal(text: str, channel_id: str, ts: str) -> dict[str, Any]:
    """The modal, prefilled with the message; asks for the correction and a source."""

    def text_input(
        block_id: str, label: str, *, initial: str = "", multiline: bool, optional: bool, hint: str
    ) -> dict[str, Any]:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": VALUE, "multiline": multiline}
        if initial:
            element["initial_value"] = truncate(initial, 3000)
        return {
            "type": "input",
            "block_id": block_id,
            "label": {"type": "plain_text", "text": label},
            "hint": {"type": "plain_text", "text": hint},
            "optional": optional,
            "element": element,
        }

    options = [
        {"text": {"type": "plain_text", "text": label}, "value": value}
        for value, label in (("false", "False"), ("misleading", "Misleading"))
    ]
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "private_metadata": json.dumps({"channel": channel_id, "ts": ts}),
        "title": {"type": "plain_text", "text": "Mark as false claim"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            text_input(
                CLAIM_BLOCK,
                "The claim",
                initial=text,
                multiline=True,
                optional=False,
                hint="Trim it to the claim itself; repeats of it will be flagged to moderators.",
            ),
            {
                "type": "input",
                "block_id": VERDICT_BLOCK,
                "label": {"type": "plain_text", "text": "Verdict"},
                "element": {
                    "type": "static_select",
                    "action_id": VALUE,
                    "options": options,
                    "initial_option": options[0],
                },
            },
            text_input(
                CORRECTION_BLOCK,
                "Correction",
                multiline=True,
                optional=False,
                hint="What is true instead: alerts about repeats quote it.",
            ),
            text_input(
                SOURCE_BLOCK,
                "Source",
                multiline=False,
                optional=True,
                hint="A link to the fact-check or a reliable source (https://…).",
            ),
        ],
    }


def claim_saved_blocks(
    claim: Claim, repeats: Sequence[Repeat], alerted: int, link: Callable[[str, str], str | None]
) -> list[Block]:
    """What the moderator sees after saving: the claim, and earlier messages that repeat it."""
    source = f"\nSource: {escape(claim.source_url)}" if claim.source_url else ""
    blocks: list[Block] = [
        section(
            f"*Claim saved* ({claim.verdict}): its repeats will be flagged with the correction.\n"
            f"{quote(claim.text, 400)}\n*Correction:* {escape(truncate(claim.correction, 600))}{source}"
        )
    ]
    if not repeats:
        blocks.append(section("No earlier message repeats it."))
        return blocks
    lines = []
    for r in list(repeats)[:LISTED_REPEATS]:
        where = link(r.channel_id, r.ts)
        label = f"<{where}|{ts_label(r.ts)}>" if where else ts_label(r.ts)
        lines.append(
            f"• {label} in {channel_mention(r.channel_id)}: {escape(truncate(' '.join(r.text.split()), 150))}"
        )
    more = f"\n…and {len(repeats) - LISTED_REPEATS} more." if len(repeats) > LISTED_REPEATS else ""
    offered = f" The {alerted} recent ones went to the moderators' channel as alerts." if alerted else ""
    blocks.append(section(f"*{len(repeats)} earlier messages repeat it.*{offered}\n" + "\n".join(lines) + more))
    return blocks

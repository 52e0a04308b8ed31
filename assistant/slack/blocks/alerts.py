"""Moderator alerts: the message, why it crossed (scores, highlighted span, the cited clause, a refuting fact),
similar past decisions, and buttons wired to the moderation service. Updated in place as moderators act."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    DividerBlock,
    HeaderBlock,
    PlainTextObject,
)

from assistant.domain.records import ModerationActionKind
from assistant.moderation.models import ActionRecord, Alert
from assistant.slack.blocks.common import context, escape, quote, section, truncate, ts_label
from assistant.slack.blocks.mentions import channel_mention, user_mention

ACTION_PREFIX = "moderation_"

_BUTTONS: list[tuple[ModerationActionKind, str, str | None]] = [
    (ModerationActionKind.DISMISS, "Dismiss", None),
    (ModerationActionKind.WARN, "Warn author", "primary"),
    (ModerationActionKind.REMOVE, "Remove message", "danger"),
    (ModerationActionKind.ESCALATE, "Escalate", None),
    (ModerationActionKind.FALSE_POSITIVE, "False positive", None),
]

_PAST = {
    ModerationActionKind.DISMISS: "dismissed the flag",
    ModerationActionKind.WARN: "warned the author",
    ModerationActionKind.REMOVE: "removed the message",
    ModerationActionKind.ESCALATE: "escalated the flag",
    ModerationActionKind.FALSE_POSITIVE: "marked it a false positive",
}

_TITLES = {"toxicity": "Toxic message", "misinformation": "Possible misinformation", "sentiment": "Very negative"}


def button_value(alert: Alert) -> str:
    """What a button carries back: the alert and its flags (well under Slack's 2000-character limit)."""
    return json.dumps({"alert": alert.alert_id, "flags": alert.flag_ids[:50]}, separators=(",", ":"))


def highlighted_excerpt(excerpt: str, span_text: str | None) -> str:
    """The excerpt as a quote, with the span that drove the score in bold."""
    text = truncate(excerpt, 600)
    if span_text and span_text.strip() and span_text in text:
        start = text.index(span_text)
        before, mid, after = text[:start], text[start : start + len(span_text)], text[start + len(span_text) :]
        marked = escape(before) + "*" + escape(mid).replace("*", "") + "*" + escape(after)
        return "\n".join("> " + line for line in marked.splitlines())
    return quote(text)


def _history_line(record: ActionRecord) -> str:
    did = _PAST.get(record.kind, record.kind.value)
    if not record.ok:
        return f"{user_mention(record.actor)} tried to {record.kind.value}: {escape(record.message)} ({ts_label_dt(record)})"
    note = f" — {escape(truncate(record.note, 200))}" if record.note else ""
    return f"{user_mention(record.actor)} {did}{note} ({ts_label_dt(record)})"


def ts_label_dt(record: ActionRecord) -> str:
    return record.at.strftime("%Y-%m-%d %H:%M UTC")


def alert_blocks(alert: Alert, permalink: str | None = None) -> list[Block]:
    where = f"#{alert.channel_name}" if alert.channel_name else channel_mention(alert.channel_id)
    title = _TITLES.get(alert.judgment, alert.judgment.capitalize())
    grouped = f" ({alert.grouped} messages)" if alert.grouped > 1 else ""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=truncate(f"{title} in {where}{grouped}", 150)))]

    author = user_mention(alert.author_id) if alert.author_id else "an unknown author"
    first_ts = alert.flags[0].ts if alert.flags else ""
    link = f" · <{permalink}|view message>" if permalink else ""
    blocks.append(
        section(
            f"From {author} at {ts_label(first_ts)}{link}\n{highlighted_excerpt(alert.excerpt, alert.span.text if alert.span else None)}"
        )
    )

    crossed = {name for f in alert.flags for name in (f.crossed or [f.judgment])}
    thresholds = {f.judgment: f.threshold for f in alert.flags}
    scores = []
    for name, value in sorted(alert.scores.items(), key=lambda kv: -kv[1]):
        mark = " :red_circle:" if name in crossed else ""
        limit = f" (threshold {thresholds[name]:.2f})" if name in thresholds else ""
        scores.append(f"*{escape(name)}* {value:.2f}{limit}{mark}")
    if scores:
        blocks.append(section("Scores: " + " · ".join(scores)))
    if alert.categories:
        named = " · ".join(f"{escape(name)} {p:.2f}" for name, p in alert.categories.items())
        blocks.append(section(f"Categories: {named}"))

    if alert.clause:
        blocks.append(
            section(
                f"*Guideline §{alert.clause.number} {escape(alert.clause.title)}*\n{quote(alert.clause.text, 800)}"
            )
        )
    if alert.refuting_fact:
        blocks.append(
            section(
                f"*What our fact sheet says* ({escape(alert.refuting_fact.id)})\n{quote(alert.refuting_fact.text, 800)}"
            )
        )
    if alert.similar:
        lines = [
            f"• {s.similarity:.2f} similar, {escape(s.decision or s.status)}: “{escape(truncate(s.excerpt, 120))}”"
            for s in alert.similar[:3]
        ]
        blocks.append(context("*Similar past flags*\n" + "\n".join(lines)))
    if not alert.removal_available and alert.removal_hint:
        blocks.append(context(f":information_source: {escape(alert.removal_hint)}"))

    blocks.append(DividerBlock())
    status = f"*Status:* {escape(alert.status.replace('_', ' '))}"
    history = [_history_line(r) for r in alert.history[-5:]]
    blocks.append(context(status, *history))
    if alert.status == "open":
        blocks.append(action_buttons(alert))
    return blocks


def action_buttons(alert: Alert) -> ActionsBlock:
    value = button_value(alert)
    elements: list[ButtonElement] = []
    for kind, label, style in _BUTTONS:
        if kind is ModerationActionKind.REMOVE and not alert.removal_available:
            continue
        confirm = None
        if kind is ModerationActionKind.REMOVE:
            confirm = ConfirmObject(
                title="Remove this message?",
                text="The message is deleted from Slack for everyone. This is logged.",
                confirm="Remove",
                deny="Cancel",
            )
        elements.append(
            ButtonElement(
                text=label,
                action_id=f"{ACTION_PREFIX}{kind.value}",
                value=value,
                style=style,
                confirm=confirm,
            )
        )
    return ActionsBlock(block_id=f"alert_{alert.alert_id}", elements=elements)


def alert_text(alert: Alert) -> str:
    """The notification / fallback text of an alert (no user text: it may be abusive)."""
    where = f"#{alert.channel_name}" if alert.channel_name else alert.channel_id
    return f"{_TITLES.get(alert.judgment, alert.judgment)} in {where} — status: {alert.status.replace('_', ' ')}"

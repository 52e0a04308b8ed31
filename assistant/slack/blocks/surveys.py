"""Surveys in Block Kit: the ``/survey`` modal, the survey message members answer in (radio buttons,
checkboxes, or a button opening a text box), the closed survey, and the results sent to its creator."""

from __future__ import annotations

import json
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ChannelMultiSelectElement,
    CheckboxesElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from assistant.slack.blocks.common import context, escape, section, truncate
from assistant.surveys.models import MAX_ANSWER, Survey, SurveyResults
from assistant.surveys.templates import TEMPLATES

CREATE_VIEW = "survey_create"
ANSWER_VIEW = "survey_answer"
ANSWER_SINGLE = "survey_answer_single"
ANSWER_MULTIPLE = "survey_answer_multiple"
ANSWER_OPEN = "survey_answer_open"
BLOCK_PREFIX = "survey:"

#: The closing times the modal offers, in hours.
CLOSES_IN = {"24": "in 1 day", "72": "in 3 days", "168": "in a week", "336": "in 2 weeks"}
KINDS = {"single": "One choice", "multiple": "Several choices", "text": "Free text"}


def _plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, 75))


def _option(value: str, label: str) -> Option:
    return Option(value=value, text=_plain(label))


def create_modal(channel_id: str | None) -> View:
    """The ``/survey`` modal; ``private_metadata`` keeps the channel it was opened from."""
    blocks: list[Block] = [
        InputBlock(
            block_id="template",
            optional=True,
            label=_plain("Start from a template"),
            hint=_plain("A template fills in the question and the options; or write your own below."),
            element=StaticSelectElement(
                action_id="value",
                placeholder=_plain("No template"),
                options=[_option(t.name, t.title) for t in TEMPLATES.values()],
            ),
        ),
        InputBlock(
            block_id="question",
            optional=True,
            label=_plain("Question"),
            element=PlainTextInputElement(action_id="value", max_length=300),
        ),
        InputBlock(
            block_id="kind",
            label=_plain("Answers"),
            element=StaticSelectElement(
                action_id="value",
                options=[_option(k, v) for k, v in KINDS.items()],
                initial_option=_option("single", KINDS["single"]),
            ),
        ),
        InputBlock(
            block_id="options",
            optional=True,
            label=_plain("Options (one a line)"),
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=1000),
        ),
        InputBlock(
            block_id="channels",
            label=_plain("Post it in"),
            element=ChannelMultiSelectElement(
                action_id="value", initial_channels=[channel_id] if channel_id else None, max_selected_items=10
            ),
        ),
        InputBlock(
            block_id="anonymous",
            optional=True,
            label=_plain("Who answered"),
            element=CheckboxesElement(
                action_id="value",
                options=[_option("anonymous", "Anonymous: nobody, not even you, can see who answered what")],
            ),
        ),
        InputBlock(
            block_id="closes",
            label=_plain("Closes"),
            element=StaticSelectElement(
                action_id="value",
                options=[_option(k, v) for k, v in CLOSES_IN.items()],
                initial_option=_option("72", CLOSES_IN["72"]),
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=CREATE_VIEW,
        private_metadata=channel_id or "",
        title=_plain("New survey"),
        submit=_plain("Post survey"),
        close=_plain("Cancel"),
        blocks=blocks,
    )


def _when(at: datetime) -> str:
    return f"{at:%a %d %b %H:%M} UTC"


def survey_text(survey: Survey) -> str:
    return f"Survey: {survey.question}"


def survey_blocks(survey: Survey) -> list[Block]:
    """The message members answer in; once closed, the question without inputs."""
    who = (
        "Anonymous: nobody, not even the organisers, can see who answered what."
        if survey.anonymous
        else "Named: the organiser sees who answered what."
    )
    blocks: list[Block] = [section(f":bar_chart: *{escape(survey.question)}*")]
    if survey.closed_at is not None:
        blocks.append(context(f"Closed {_when(survey.closed_at)}. Thank you for answering! · {who}"))
        return blocks
    block_id = BLOCK_PREFIX + survey.id
    options = [_option(str(i), o) for i, o in enumerate(survey.options)]
    if survey.kind == "single":
        blocks.append(
            ActionsBlock(
                block_id=block_id, elements=[RadioButtonsElement(action_id=ANSWER_SINGLE, options=options)]
            )
        )
    elif survey.kind == "multiple":
        blocks.append(
            ActionsBlock(
                block_id=block_id, elements=[CheckboxesElement(action_id=ANSWER_MULTIPLE, options=options)]
            )
        )
    else:
        blocks.append(
            ActionsBlock(
                block_id=block_id,
                elements=[
                    ButtonElement(action_id=ANSWER_OPEN, text=_plain("Answer"), value=survey.id, style="primary")
                ],
            )
        )
    change = (
        "Change your answer any time before it closes." if survey.kind != "text" else "Answer again to change it."
    )
    blocks.append(context(f"Closes {_when(survey.closes_at)}. One answer per member; {change} {who}"))
    return blocks


def answer_modal(survey: Survey, channel_id: str, current: str = "") -> View:
    return View(
        type="modal",
        callback_id=ANSWER_VIEW,
        private_metadata=json.dumps({"survey": survey.id, "channel": channel_id}),
        title=_plain("Your answer"),
        submit=_plain("Send"),
        close=_plain("Cancel"),
        blocks=[
            section(escape(survey.question)),
            InputBlock(
                block_id="answer",
                label=_plain("Answer"),
                element=PlainTextInputElement(
                    action_id="value", multiline=True, max_length=MAX_ANSWER, initial_value=current or None
                ),
            ),
            context(
                "Anonymous: nobody can see who wrote this."
                if survey.anonymous
                else "The organiser sees your name."
            ),
        ],
    )


def _bar(share: float, width: int = 12) -> str:
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled)


def results_text(results: SurveyResults) -> str:
    s = results.survey
    return f"Results of “{s.question}” ({results.respondents} answer{'' if results.respondents == 1 else 's'})"


def results_blocks(results: SurveyResults) -> list[Block]:
    s = results.survey
    state = f"closed {_when(s.closed_at)}" if s.closed_at else f"open until {_when(s.closes_at)}"
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=truncate(f"Survey results: {s.question}", 150))),
        context(
            f"`{s.id}` · {results.respondents} answer{'' if results.respondents == 1 else 's'} · {state} · "
            + ("anonymous" if s.anonymous else "named")
        ),
    ]
    if results.options:
        lines = [
            f"`{_bar(o.share)}` *{o.count}* {escape(truncate(o.option, 60))} ({o.share:.0%})"
            for o in results.options
        ]
        blocks.append(section("\n".join(lines)))
    if len(results.per_channel) > 1 or (results.per_channel and results.options):
        per = []
        for c in results.per_channel[:10]:
            counts = ", ".join(f"{escape(truncate(o.option, 30))} {o.count}" for o in c.options if o.count)
            per.append(
                f"#{escape(c.channel_name)}: {c.respondents} answer{'' if c.respondents == 1 else 's'}"
                + (f" ({counts})" if counts else "")
            )
        blocks.append(context("By channel: " + " · ".join(per)))
    for t in results.themes[:8]:
        quotes = " / ".join(f"“{escape(truncate(a, 80))}”" for a in t.answers[:2])
        blocks.append(section(f"*{escape(t.label)}* — {t.size} answers\n{quotes}"))
    if results.one_offs:
        blocks.append(
            context("Other answers: " + " · ".join(f"“{escape(truncate(a, 80))}”" for a in results.one_offs[:6]))
        )
    if s.kind == "text" and not results.themes and not results.one_offs:
        blocks.append(section("No answers yet."))
    blocks.append(DividerBlock())
    blocks.append(
        context(
            f"`assistant survey export {s.id} --json` has every answer"
            + ("" if s.anonymous else " with who gave it")
            + "."
        )
    )
    return blocks[:50]

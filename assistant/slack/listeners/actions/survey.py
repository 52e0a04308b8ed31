"""Members answering a survey: a radio button or checkbox change records (or replaces) their answer at once; the
"Answer" button of a free-text survey opens a text box whose submission is their answer. Each member is told,
only to them, that their answer counted (and whether it replaced an earlier one)."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.errors import AssistantError
from assistant.slack.blocks import error_blocks
from assistant.slack.blocks.surveys import (
    ANSWER_MULTIPLE,
    ANSWER_OPEN,
    ANSWER_SINGLE,
    ANSWER_VIEW,
    BLOCK_PREFIX,
    answer_modal,
)
from assistant.slack.runtime import SlackRuntime
from assistant.slack.web import error_code
from assistant.surveys import survey_service
from assistant.surveys.service import SurveyClosedError

logger = logging.getLogger(__name__)

SAID = {
    "recorded": "Thanks, your answer is recorded.",
    "replaced": "Thanks, your new answer replaced your earlier one.",
    "withdrawn": "Your answer is withdrawn (nothing ticked).",
}


def register(app: App, runtime: SlackRuntime) -> None:
    def on_choice(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user_id, channel_id, survey_id = _where(body, action)
        picked = action.get("selected_options")
        if picked is None:
            picked = [action["selected_option"]] if action.get("selected_option") else []
        try:
            survey = survey_service(runtime.ctx).get(survey_id)
            choices = [survey.options[int(str(o.get("value")))] for o in picked if str(o.get("value")).isdigit()]
        except (AssistantError, IndexError):
            runtime.ephemeral(channel_id, user_id, "This survey is out of date or gone.")
            return
        _answer(runtime, survey_id, user_id, channel_id, choices=choices)

    def on_open(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user_id, channel_id, survey_id = _where(body, action)
        service = survey_service(runtime.ctx)
        try:
            survey = service.get(str(action.get("value") or survey_id))
            mine = service.answer_of(survey.id, user_id)
        except AssistantError as exc:
            runtime.ephemeral(channel_id, user_id, exc.message, error_blocks(exc.message))
            return
        if not survey.is_open:
            runtime.ephemeral(channel_id, user_id, "This survey is closed; answers are no longer recorded.")
            return
        try:
            runtime.client.views_open(
                trigger_id=str(body.get("trigger_id") or ""),
                view=answer_modal(survey, channel_id, mine.text if mine else "").to_dict(),
            )
        except SdkApiError as exc:
            logger.error("survey answer box not opened: %s", error_code(exc))

    def on_text(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        user_id = str((body.get("user") or {}).get("id") or "")
        try:
            meta = json.loads(str(view.get("private_metadata") or "{}"))
        except json.JSONDecodeError:
            return
        values = ((view.get("state") or {}).get("values") or {}).get("answer") or {}
        text = str((values.get("value") or {}).get("value") or "")
        _answer(runtime, str(meta.get("survey") or ""), user_id, str(meta.get("channel") or ""), text=text)

    app.action(ANSWER_SINGLE)(on_choice)
    app.action(ANSWER_MULTIPLE)(on_choice)
    app.action(ANSWER_OPEN)(on_open)
    app.view(ANSWER_VIEW)(on_text)


def _where(body: dict[str, Any], action: dict[str, Any]) -> tuple[str, str, str]:
    user_id = str((body.get("user") or {}).get("id") or "")
    container = body.get("container") or {}
    channel_id = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
    survey_id = str(action.get("block_id") or "").removeprefix(BLOCK_PREFIX)
    return user_id, channel_id, survey_id


def _answer(
    runtime: SlackRuntime,
    survey_id: str,
    user_id: str,
    channel_id: str,
    *,
    choices: list[str] | None = None,
    text: str = "",
) -> None:
    service = survey_service(runtime.ctx)
    try:
        outcome = service.answer(survey_id, user_id, channel_id=channel_id, choices=choices or [], text=text)
    except SurveyClosedError as exc:
        runtime.ephemeral(channel_id, user_id, exc.message)
        _refresh_closed(runtime, survey_id)
        return
    except AssistantError as exc:
        runtime.ephemeral(channel_id, user_id, exc.message, error_blocks(exc.message))
        return
    runtime.ephemeral(channel_id, user_id, SAID[outcome])


def _refresh_closed(runtime: SlackRuntime, survey_id: str) -> None:
    """An answer came after the closing time but before the timer closed it: close it now (results included)."""
    from assistant.slack.surveys import close_survey

    if survey_service(runtime.ctx).get(survey_id).closed_at is None:
        close_survey(runtime, survey_id, "assistant")

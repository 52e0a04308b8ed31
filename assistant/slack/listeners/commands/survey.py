"""``/survey``: opens the survey modal; ``/survey list``, ``/survey results <id>`` and ``/survey close <id>``
for the people who run surveys (managers and moderators). The modal's submission creates and posts the survey."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.errors import AssistantError
from assistant.slack.blocks import error_blocks
from assistant.slack.blocks.mentions import channel_mention
from assistant.slack.blocks.surveys import CLOSES_IN, CREATE_VIEW, create_modal, results_blocks, results_text
from assistant.slack.runtime import SlackRuntime
from assistant.slack.surveys import close_survey, may_run_surveys, may_see_results, post_survey
from assistant.slack.web import error_code
from assistant.surveys import survey_service
from assistant.surveys.models import SurveySpec
from assistant.surveys.templates import TEMPLATES

logger = logging.getLogger(__name__)

USAGE = "`/survey` opens a new survey; `/survey list`, `/survey results <id>`, `/survey close <id>`."
NOT_ALLOWED = "Only community managers and moderators run surveys."


def register(app: App, runtime: SlackRuntime) -> None:
    def on_survey(ack: Ack, command: dict[str, Any]) -> None:
        user_id, channel_id = str(command["user_id"]), str(command["channel_id"])
        words = str(command.get("text") or "").split()
        verb, rest = (words[0].lower(), words[1:]) if words else ("", [])
        if words and verb != "list" and not (verb in ("results", "close") and rest):
            ack(text=USAGE)
            return
        # Acked before the permission check, which may ask Slack for the moderators' user group: a slow or
        # rate-limited Slack must not keep the command from its 3 s ack.
        ack()
        try:
            allowed = may_run_surveys(runtime, user_id)
        except AssistantError as exc:
            runtime.ephemeral(channel_id, user_id, exc.message, error_blocks(exc.message))
            return
        if not allowed:
            runtime.ephemeral(channel_id, user_id, NOT_ALLOWED)
        elif not words:
            try:
                runtime.client.views_open(
                    trigger_id=str(command["trigger_id"]), view=create_modal(channel_id).to_dict()
                )
            except SdkApiError as exc:
                logger.error("survey modal not opened: %s", error_code(exc))
                runtime.ephemeral(channel_id, user_id, "The survey form could not be opened; try again.")
        elif verb == "list":
            runtime.ephemeral(channel_id, user_id, list_text(runtime))
        else:
            on_survey_verb(runtime, verb, rest[0], user_id, channel_id)

    def on_create(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user_id = str((body.get("user") or {}).get("id") or "")
        try:
            spec = spec_from_view(runtime, view)
        except ValueError as exc:
            ack(response_action="errors", errors={_block_of(exc): _sentence(exc)})
            return
        ack()
        origin = str(view.get("private_metadata") or "") or user_id
        try:
            survey = survey_service(runtime.ctx).create(spec, user_id)
        except AssistantError as exc:
            runtime.ephemeral(origin, user_id, exc.message, error_blocks(exc.message))
            return
        problems = post_survey(runtime, survey)
        where = ", ".join(channel_mention(c) for c in survey.channels)
        note = f"Survey `{survey.id}` posted in {where}; it closes {survey.closes_at:%a %d %b %H:%M} UTC and the results come to you then (`/survey close {survey.id}` closes it now)."
        if problems:
            note += " Not posted in " + "; ".join(problems)
        runtime.ephemeral(origin, user_id, note)

    app.command("/survey")(on_survey)
    app.view(CREATE_VIEW)(on_create)


def list_text(runtime: SlackRuntime) -> str:
    surveys = survey_service(runtime.ctx).list_surveys()[:15]
    if not surveys:
        return "No surveys yet. `/survey` starts one."
    lines = []
    for s in surveys:
        state = "open" if s.is_open else "closed"
        lines.append(f"`{s.id}` {state}, {s.answers} answer{'' if s.answers == 1 else 's'}: {s.question}")
    return "\n".join(lines)


def on_survey_verb(runtime: SlackRuntime, verb: str, survey_id: str, user_id: str, channel_id: str) -> None:
    service = survey_service(runtime.ctx)
    try:
        survey = service.get(survey_id)
        if not may_see_results(runtime, survey, user_id):
            raise AssistantError("Only the survey's creator, managers and moderators can do that.")
        if verb == "close":
            survey = close_survey(runtime, survey.id, user_id)
            if user_id != survey.created_by:
                runtime.ephemeral(
                    channel_id, user_id, f"Survey `{survey.id}` is closed; its creator has the results."
                )
            else:
                runtime.ephemeral(
                    channel_id, user_id, f"Survey `{survey.id}` is closed; the results are in your DMs."
                )
            return
        results = service.results(survey.id)
    except AssistantError as exc:
        runtime.ephemeral(channel_id, user_id, exc.message, error_blocks(exc.message))
        return
    runtime.ephemeral(channel_id, user_id, results_text(results), results_blocks(results))


class _FieldError(ValueError):
    def __init__(self, block: str, message: str) -> None:
        super().__init__(message)
        self.block = block


def _block_of(exc: ValueError) -> str:
    return exc.block if isinstance(exc, _FieldError) else "question"


def _sentence(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        msg = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        return msg[:1].upper() + msg[1:] + "."
    return str(exc)


def _value(state: dict[str, Any], block: str) -> dict[str, Any]:
    return dict((state.get(block) or {}).get("value") or {})


def spec_from_view(runtime: SlackRuntime, view: dict[str, Any]) -> SurveySpec:
    """The modal's fields as a ``SurveySpec``; a template fills what the manager left empty."""
    state = (view.get("state") or {}).get("values") or {}
    template_name = str((_value(state, "template").get("selected_option") or {}).get("value") or "")
    template = TEMPLATES.get(template_name)
    question = str(_value(state, "question").get("value") or "").strip()
    kind = str((_value(state, "kind").get("selected_option") or {}).get("value") or "single")
    options = str(_value(state, "options").get("value") or "").splitlines()
    channels = [str(c) for c in _value(state, "channels").get("selected_channels") or []]
    anonymous = any(
        o.get("value") == "anonymous" for o in _value(state, "anonymous").get("selected_options") or []
    )
    hours = str((_value(state, "closes").get("selected_option") or {}).get("value") or "72")
    if hours not in CLOSES_IN:
        raise _FieldError("closes", "Choose when the survey closes.")
    if not channels:
        raise _FieldError("channels", "Choose at least one channel.")
    if template is not None:
        if not question:
            first = runtime.ctx.archive.channels()
            names = {c.id: c.name for c in first}
            question = template.render(names.get(channels[0]))
            kind = template.kind
        if not [o for o in options if o.strip()]:
            options = list(template.options)
    if not question:
        raise _FieldError("question", "Write a question, or pick a template.")
    try:
        return SurveySpec(
            question=question,
            kind=kind,
            options=options,
            channels=channels,
            anonymous=anonymous,
            closes_at=runtime.ctx.clock() + timedelta(hours=int(hours)),
            template=template.name if template else "",
        )
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else "question"
        raise _FieldError(field if field in ("question", "options") else "options", _sentence(exc)) from None

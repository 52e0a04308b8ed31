"""Surveys in Slack: who may run them, posting a survey, closing it (its messages lose their inputs, its creator
gets the results as a DM), and the timer that closes surveys when their time comes."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.errors import AssistantError
from assistant.slack.blocks import as_payload
from assistant.slack.blocks.mentions import channel_mention
from assistant.slack.blocks.surveys import results_blocks, results_text, survey_blocks, survey_text
from assistant.slack.periodic import PeriodicJob
from assistant.slack.runtime import SlackRuntime
from assistant.slack.web import error_code, to_error
from assistant.surveys import survey_service
from assistant.surveys.models import Survey

logger = logging.getLogger(__name__)

#: How often the timer looks for surveys whose closing time came.
CHECK_INTERVAL = 60.0


def organisers(runtime: SlackRuntime) -> set[str]:
    """Who may run surveys: the digest's managers and the moderators (anyone, when neither is configured)."""
    return set(runtime.ctx.settings.managers) | runtime.ctx.moderation.moderators()


def may_run_surveys(runtime: SlackRuntime, user_id: str) -> bool:
    allowed = organisers(runtime)
    return not allowed or user_id in allowed


def may_see_results(runtime: SlackRuntime, survey: Survey, user_id: str) -> bool:
    return user_id == survey.created_by or user_id in organisers(runtime)


def post_survey(runtime: SlackRuntime, survey: Survey) -> list[str]:
    """Post the survey in each of its channels; returns the channels it could not be posted in (with why)."""
    service = survey_service(runtime.ctx)
    problems = []
    for channel in survey.channels:
        try:
            response = runtime.client.chat_postMessage(
                channel=channel, text=survey_text(survey), blocks=as_payload(survey_blocks(survey))
            )
        except SdkApiError as exc:
            problems.append(f"{channel_mention(channel)}: {to_error(exc, 'posting the survey').message}")
            continue
        service.record_post(survey.id, str(response["channel"]), str(response["ts"]))
    return problems


def close_survey(runtime: SlackRuntime, survey_id: str, closed_by: str) -> Survey:
    """Close it, take the inputs off its messages and send its creator the results. A survey closed already (by
    another replica's timer, or a second press) is returned as it is: its results went out when it closed."""
    service = survey_service(runtime.ctx)
    survey, closed_now = service.close_once(survey_id, closed_by)
    if not closed_now:
        return survey
    for channel, ts in survey.posts.items():
        try:
            runtime.client.chat_update(
                channel=channel, ts=ts, text=survey_text(survey), blocks=as_payload(survey_blocks(survey))
            )
        except SdkApiError as exc:
            logger.warning("survey %s message in %s not updated: %s", survey.id, channel, error_code(exc))
    send_results(runtime, survey, survey.created_by)
    return survey


def send_results(runtime: SlackRuntime, survey: Survey, user_id: str) -> None:
    results = survey_service(runtime.ctx).results(survey.id)
    try:
        runtime.client.chat_postMessage(
            channel=user_id, text=results_text(results), blocks=as_payload(results_blocks(results))
        )
    except SdkApiError as exc:
        logger.error("results of survey %s not sent to %s: %s", survey.id, user_id, error_code(exc))


class SurveyTimer(PeriodicJob):
    """Closes surveys whose closing time came (and sends their results), every ``interval`` seconds."""

    job_name = "survey closing"

    def __init__(self, runtime: SlackRuntime, interval: float = CHECK_INTERVAL) -> None:
        self.runtime = runtime
        super().__init__(interval)

    def run_once(self, now: datetime | None = None) -> int:
        now = (now or self.runtime.ctx.clock()).astimezone(UTC)
        closed = 0
        for survey in survey_service(self.runtime.ctx).due(now):
            try:
                close_survey(self.runtime, survey.id, "assistant")
            except AssistantError as exc:
                logger.error("survey %s not closed: %s", survey.id, exc)
                continue
            closed += 1
        return closed

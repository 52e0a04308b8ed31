"""The Bolt app factory: one ``App`` on a ``Context`` and a WebClient whose base URL is ``SLACK_API_URL``.

Requests are verified (signature and timestamp, 401 otherwise), acknowledged at once, and worked on after the
ack. Events that change the archive are recorded in the inbox before the ack and marked done only after their
work (``SlackRuntime.durable``): a retry of one that finished is dropped, a retry of one that did not is worked
on. Other events, direct messages among them, are deduplicated by event id. Bolt's ``Assistant`` middleware
(``listeners.assistant_thread``) takes the AI-app surface's events: thread started, context changed, and the
messages of an assistant thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr
from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.context import Context
from assistant.errors import AssistantError, ConfigError
from assistant.slack.backfill import TIER3_INTERVAL, Backfiller
from assistant.slack.blocks.mentions import SlackMentions
from assistant.slack.directory import Directory
from assistant.slack.gateway import SlackModerationGateway
from assistant.slack.listeners import register_listeners
from assistant.slack.runtime import SlackRuntime
from assistant.slack.visibility import Visibility
from assistant.slack.web import explain, make_client

logger = logging.getLogger(__name__)

EVENT_CLAIM_PREFIX = "slack-event:"
_DIRECT_CONVERSATIONS = frozenset({"im", "mpim"})
_NOT_THE_WEB_API = (
    "{url} did not answer like the Slack Web API (not JSON): check SLACK_API_URL and any proxy in between."
)


def _secret(value: SecretStr | None, name: str, why: str) -> str:
    if value is None or not value.get_secret_value().strip():
        raise ConfigError(f"{name} is not set; {why}.")
    return value.get_secret_value().strip()


class _DropClientTokenWarning(logging.Filter):
    """Bolt warns that a given client's token wins over SLACK_BOT_TOKEN; ours are the same token by design."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(
    ctx: Context,
    *,
    client: WebClient | None = None,
    admin_client: WebClient | None = None,
    backfill_interval: float = TIER3_INTERVAL,
) -> tuple[App, SlackRuntime]:
    """The app and its runtime; raises ``ConfigError`` with a sentence when Slack settings are unusable."""
    settings = ctx.settings
    token = _secret(settings.slack_bot_token, "SLACK_BOT_TOKEN", "copy the Bot User OAuth Token (xoxb-…)")
    signing_secret = _secret(
        settings.slack_signing_secret, "SLACK_SIGNING_SECRET", "copy it from the app's Basic Information page"
    )
    client = client or make_client(token, settings.slack_api_url)
    if admin_client is None and settings.slack_admin_token is not None:
        admin_client = make_client(settings.slack_admin_token.get_secret_value(), settings.slack_api_url)
    try:
        auth = client.auth_test()
    except SdkApiError as exc:
        if _not_json(exc):
            raise ConfigError(_NOT_THE_WEB_API.format(url=settings.slack_api_url)) from None
        raise ConfigError(
            f"Slack did not accept SLACK_BOT_TOKEN at {settings.slack_api_url}: {explain(exc)}"
        ) from None
    except OSError as exc:
        raise ConfigError(f"Cannot reach the Slack Web API at {settings.slack_api_url}: {exc}.") from None
    except ValueError:  # e.g. a proxy's HTML page: the body is not the Web API's JSON
        raise ConfigError(_NOT_THE_WEB_API.format(url=settings.slack_api_url)) from None

    _ = ctx.pipeline  # load the encoder, index and judge now: a model problem stops start-up with one sentence
    logging.getLogger("slack_bolt.App").addFilter(_DropClientTokenWarning())
    directory = Directory(client, ctx.archive)
    runtime = SlackRuntime(
        ctx=ctx,
        client=client,
        directory=directory,
        visibility=Visibility(client, ctx.archive),
        backfiller=Backfiller(client, ctx.pipeline, directory, min_interval=backfill_interval),
        bot_user_id=auth.get("user_id"),
        bot_id=auth.get("bot_id"),
        team_url=auth.get("url"),
        admin_client=admin_client,
    )
    runtime.backfiller.lock = runtime.work_lock
    app = App(
        client=client,
        signing_secret=signing_secret,
        process_before_response=False,
        # Bolt checks the token once now and keeps the answer: requests never wait on auth.test, so events are
        # still recorded and acked while Slack's Web API is unreachable.
        token_verification_enabled=True,
        # Right after the signature check, before anything that could call Slack: the inbox records the event.
        before_authorize=admit_events(runtime),
        raise_error_for_unhandled_request=False,
        name="community-assistant",
    )
    register_listeners(app, runtime)
    ctx.pipeline.listeners.append(runtime.queue_alerts)  # after moderation: live alerts go to the outbox
    app.error(_on_error)
    _attach_moderation(runtime)
    return app, runtime


def _not_json(exc: SdkApiError) -> bool:
    """slack-sdk reports a body that is not JSON (a proxy's HTML page) as an error with this wording."""
    data = exc.response.data if exc.response is not None else None
    error = data.get("error") if isinstance(data, dict) else data
    return not isinstance(data, dict) or str(error).startswith("Received a response in a non-JSON format")


def admit_events(runtime: SlackRuntime) -> Callable[..., Any]:
    """Global middleware, before the ack: a durable event is recorded in the inbox and worked on unless it
    finished before (or another worker holds it right now); any other event is dropped if its id was seen."""

    def middleware(body: dict[str, Any], next: Callable[[], BoltResponse], logger: logging.Logger) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return next()
        event = body.get("event")
        event_type = str(event.get("type") or "") if isinstance(event, dict) else ""
        own = isinstance(event, dict) and (
            (runtime.bot_user_id and event.get("user") == runtime.bot_user_id)
            or (runtime.bot_id and event.get("bot_id") == runtime.bot_id)
        )  # Bolt drops the app's own events before any listener: they have no work to wait for
        # A direct message (the assistant thread's questions) is never stored, so it waits in no inbox: its
        # listener answers it once, and a retry of the same event id is dropped below.
        direct = isinstance(event, dict) and event.get("channel_type") in _DIRECT_CONVERSATIONS
        if event_type in runtime.durable_work and runtime.inbox is not None and not own and not direct:
            if not runtime.inbox.admit(str(event_id), event_type, body):
                logger.info("delivery of event %s dropped: it finished before or is being worked on", event_id)
                return BoltResponse(status=200, body="")
            return next()
        if not runtime.ctx.archive.claim_once(EVENT_CLAIM_PREFIX + str(event_id)):
            logger.info("duplicate delivery of event %s dropped", event_id)
            return BoltResponse(status=200, body="")
        return next()

    return middleware


def _on_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
    if isinstance(error, AssistantError):
        logger.error("%s (%s)", error, body.get("type"))
    else:
        logger.exception("unexpected error handling a %s request", body.get("type"), exc_info=error)


def _attach_moderation(runtime: SlackRuntime) -> None:
    """Give moderation its Slack side effects and make sure it knows who is in the moderators' channel."""
    gateway = SlackModerationGateway(
        runtime.client,
        admin_client=runtime.admin_client,
        moderators_channel=runtime.moderators_channel,
        moderators_group=runtime.ctx.settings.moderators_group,
    )
    runtime.ctx.moderation.attach_gateway(gateway, mentions=SlackMentions())
    runtime.sync_moderators()

"""One way to build a Web API client (base URL from ``SLACK_API_URL``, 429s retried after ``Retry-After``) and
to turn a Web API refusal into a sentence a person can act on."""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError as SdkApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from assistant.errors import SlackApiError

logger = logging.getLogger(__name__)

#: Error codes people meet, in words they can act on.
_SENTENCES: dict[str, str] = {
    "ratelimited": "Slack is rate-limiting the assistant right now; please try again in a minute.",
    "not_in_channel": "The assistant is not a member of that channel; invite it with /invite and try again.",
    "channel_not_found": (
        "Slack could not find that channel, or the assistant cannot see it (a private channel needs an invite)."
    ),
    "thread_not_found": "Slack could not find that thread; check the link.",
    "message_not_found": "Slack could not find that message; it may have been deleted.",
    "invalid_auth": "Slack rejected the assistant's token (invalid_auth); an admin should check SLACK_BOT_TOKEN.",
    "not_authed": "No Slack token was sent (not_authed); an admin should set SLACK_BOT_TOKEN.",
    "token_revoked": "The assistant's Slack token was revoked; an admin should reinstall the app.",
    "account_inactive": "The assistant's Slack token belongs to a deactivated account; reinstall the app.",
    "cant_delete_message": (
        "Slack would not let the assistant delete that message; SLACK_ADMIN_TOKEN must belong to an admin."
    ),
    "is_archived": "That channel is archived, so the assistant cannot post there.",
    "user_not_found": "Slack could not find that user.",
}


def make_client(token: str | None, base_url: str, *, max_retries: int = 3) -> WebClient:
    """A WebClient on ``base_url`` that waits ``Retry-After`` on 429 and retries dropped connections."""
    return WebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


#: Slack's error codes are short snake_case words; anything else (an echo of the request, an HTML page, a
#: proxy's message) is never repeated: it may carry the request's Authorization header.
_CODE = re.compile(r"[a-z0-9_.]{1,64}")
_SCOPES = re.compile(r"[a-z0-9_.:,]{1,200}")


def error_code(exc: SdkApiError) -> str:
    """Slack's error code for a refusal, or ``unknown_error``: never any other part of the response body."""
    data = exc.response.data if exc.response is not None else None
    if isinstance(data, dict):
        code = data.get("error")
        if isinstance(code, str) and _CODE.fullmatch(code):
            return code
    status = getattr(exc.response, "status_code", None)
    return f"http_{status}" if isinstance(status, int) and status != 200 else "unknown_error"


def explain(exc: SdkApiError, action: str = "") -> str:
    """One sentence for a Web API refusal; unknown codes still name the code and what was being done.

    Only the error code (and a missing scope's name) is taken from the response: never its body, which an
    endpoint that echoes the request would fill with the token."""
    code = error_code(exc)
    if code == "missing_scope":
        needed = exc.response.data.get("needed", "") if isinstance(exc.response.data, dict) else ""
        needed = needed if isinstance(needed, str) and _SCOPES.fullmatch(needed) else ""
        return (
            f"The Slack app lacks the permission {needed or 'it needs'}; "
            "reinstall it from slack_manifest.yaml so it gets every scope."
        )
    sentence = _SENTENCES.get(code)
    if sentence:
        return sentence
    doing = f" while {action}" if action else ""
    return f"Slack refused a request{doing} ({code})."


def to_error(exc: SdkApiError, action: str = "") -> SlackApiError:
    """The assistant's typed error for a Web API refusal, logged once with the raw code."""
    logger.warning("Slack Web API error %s%s", error_code(exc), f" while {action}" if action else "")
    return SlackApiError(explain(exc, action))

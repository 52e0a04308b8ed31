"""Surveys a community manager runs in Slack: ask, collect one answer per member, close on time, report results.

``survey_service(ctx)`` is the one service per ``Context`` (built on first use: the encoder loads only when
free-text answers are clustered).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.context import Context
    from assistant.surveys.service import SurveyService

_ATTR = "_survey_service"


def survey_service(ctx: Context) -> SurveyService:
    """The context's survey service (one per context, kept on it)."""
    found = ctx.__dict__.get(_ATTR)
    if found is None:
        from assistant.surveys.service import SurveyService

        secret = ctx.settings.slack_signing_secret
        found = SurveyService(
            ctx.archive,
            encode=lambda texts: ctx.encoder.encode(list(texts)).vectors,
            secret=secret.get_secret_value().encode() if secret is not None else None,
            clock=ctx.clock,
        )
        ctx.__dict__[_ATTR] = found
    return found

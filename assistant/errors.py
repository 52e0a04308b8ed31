"""Typed errors: every failure a user can meet is an ``AssistantError`` with a sentence they can act on.

Every message is redacted (``assistant.redact``): a token, credential or URL password never reaches a person.
"""

from __future__ import annotations

from assistant.redact import redact


class AssistantError(Exception):
    """Base of every error the assistant reports to a person (CLI, Slack) as one clear sentence."""

    def __init__(self, message: str) -> None:
        message = redact(str(message))
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(AssistantError):
    """A setting is missing or has a value that cannot be used."""


class ExportError(AssistantError):
    """A Slack export (folder or zip) cannot be read at all."""


class StoreError(AssistantError):
    """The archive or the index cannot be reached or written."""


class ModelError(AssistantError):
    """A model (encoder, head, LLM) cannot be loaded or run."""


class NotFoundError(AssistantError):
    """A channel, thread, message or member the user named does not exist in the archive."""


class PermissionDeniedError(AssistantError):
    """The person asking may not do this (e.g. a non-moderator pressing a moderation button)."""


class SlackApiError(AssistantError):
    """The Slack Web API refused a call; the message explains it in plain words."""

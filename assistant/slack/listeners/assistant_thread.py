"""Slack's AI-app surface (Bolt's ``Assistant``): a manager opens the assistant next to any channel and asks there.

- ``assistant_thread_started`` -> suggested prompts about wants, quiet members and mood, naming the channel the
  person is looking at (else #design / #help, or the workspace's biggest channels when those do not exist).
- A message in the assistant thread -> ``assistant.threads.setStatus`` says which channel is being read, the Q&A
  service answers from the channels that person may see (the same call and visibility as ``/ask``), and the
  answer is posted in the thread with its citations linked. A failure reaches them as one sentence.

Direct messages are never stored or judged: only the question is read, to answer it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from slack_bolt import (
    App,
    Assistant,
    AssistantThreadContext,
    AssistantThreadContextStore,
    SaveThreadContext,
    Say,
    SetStatus,
    SetSuggestedPrompts,
)
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.domain import Channel
from assistant.slack.blocks import as_payload, error_blocks
from assistant.slack.blocks.answers import (
    MOOD_CHANNEL,
    PROMPTS_TITLE,
    WANTS_CHANNEL,
    reading_status,
    suggested_prompts,
)
from assistant.slack.listeners.citations import answer_reply
from assistant.slack.listeners.events.mentions import question_from
from assistant.slack.runtime import SlackRuntime
from assistant.slack.web import error_code
from assistant.store import Archive

logger = logging.getLogger(__name__)

THREAD_STATE = "assistant-thread:"
HELP = "Ask me about your communities, e.g. “What does #design want?” or “Who went quiet?”"
FAILED = "Something went wrong while answering; please try again. The operator's log has the details."
_CHANNEL_REF = re.compile(r"(?<![\w#])#([\w-]{1,80})")


class ArchiveThreadContextStore(AssistantThreadContextStore):
    """Each assistant thread's context (the channel its person was looking at) in the archive's state table:
    every replica reads the same, and no Slack call is spent to find it again (Bolt's default store reads the
    thread back with ``conversations.replies`` for every reply)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def save(self, *, channel_id: str, thread_ts: str, context: dict[str, str]) -> None:
        self.archive.set_state(f"{THREAD_STATE}{channel_id}:{thread_ts}", dict(context))

    def find(self, *, channel_id: str, thread_ts: str) -> AssistantThreadContext | None:
        state = self.archive.get_state(f"{THREAD_STATE}{channel_id}:{thread_ts}")
        if not state or not state.get("channel_id"):
            return None
        return AssistantThreadContext(state)


def register(app: App, runtime: SlackRuntime) -> None:
    assistant = Assistant(thread_context_store=ArchiveThreadContextStore(runtime.ctx.archive))

    @assistant.thread_started
    def on_thread_started(
        payload: dict[str, Any], set_suggested_prompts: SetSuggestedPrompts, save_thread_context: SaveThreadContext
    ) -> None:
        thread = payload.get("assistant_thread") or {}
        context = thread.get("context") or {}
        if context.get("channel_id"):
            save_thread_context(context)
        moderators = runtime.moderators_channel()
        skip = {moderators} if moderators else set()
        wants, mood = prompt_channels(runtime.ctx.archive.channels(), context.get("channel_id"), skip=skip)
        try:
            set_suggested_prompts(prompts=suggested_prompts(wants, mood), title=PROMPTS_TITLE)
        except SdkApiError as exc:
            logger.warning("suggested prompts not set: %s", error_code(exc))

    @assistant.user_message
    def on_user_message(payload: dict[str, Any], set_status: SetStatus, say: Say) -> None:
        answer_in_thread(runtime, payload, set_status, say)

    app.assistant(assistant)


def prompt_channels(
    channels: Sequence[Channel], viewing: str | None, *, skip: Collection[str] = ()
) -> tuple[str, str]:
    """The channels the suggested prompts name (wants, mood): the public channel the person is looking at for
    both; else #design and #help where they exist, the biggest public channels (by members) standing in for
    missing ones; else those two names. Channels in ``skip`` (the moderators' own) are never named."""
    public = [
        c for c in channels if c.kind == "channel" and not c.is_private and not c.is_archived and c.id not in skip
    ]
    looked_at = next((c.name for c in public if c.id == viewing), None)
    if looked_at:
        return looked_at, looked_at
    names = {c.name for c in public}
    biggest = [c.name for c in sorted(public, key=lambda c: (-len(c.members), c.name))]
    wants = WANTS_CHANNEL if WANTS_CHANNEL in names or not biggest else biggest[0]
    others = [n for n in biggest if n != wants]
    mood = MOOD_CHANNEL if MOOD_CHANNEL in names or not others else others[0]
    return wants, mood


def channel_asked_about(question: str, channel_names: Mapping[str, str]) -> str | None:
    """The first ``#name`` in the question that names a known channel, for the status line."""
    known = {name.lower(): name for name in channel_names.values()}
    for match in _CHANNEL_REF.finditer(question):
        name = known.get(match.group(1).lower())
        if name:
            return name
    return None


def answer_in_thread(runtime: SlackRuntime, payload: dict[str, Any], set_status: SetStatus, say: Say) -> None:
    user_id = str(payload.get("user") or "")
    channels = runtime.directory.channel_names()
    question = question_from(str(payload.get("text") or ""), runtime.directory.user_names(), channels)
    if not user_id or not question:
        _say(say, HELP, error_blocks(HELP))
        return
    try:
        set_status(reading_status(channel_asked_about(question, channels)))
    except SdkApiError as exc:  # e.g. the app lacks assistant:write: the answer still comes
        logger.warning("assistant thread status not set: %s", error_code(exc))
    try:  # the thread is theirs alone: the answer draws on what they may see
        blocks, text = answer_reply(runtime, question, lambda: runtime.visibility.visible_to(user_id))
    except Exception:
        logger.exception("answering in an assistant thread failed")
        blocks, text = error_blocks(FAILED), FAILED
    _say(say, text, blocks)


def _say(say: Say, text: str, blocks: list[Any]) -> None:
    """Post in the assistant thread (which also clears its status)."""
    try:
        say(text=text, blocks=as_payload(blocks), unfurl_links=False, unfurl_media=False)
    except SdkApiError as exc:
        logger.error("answer not posted in the assistant thread: %s", error_code(exc))

"""The summary service the CLI and the Slack app share: thread summaries and channel recaps.

It reads the archive, reuses the index's stored vectors (encoding only messages that are not indexed), takes
the mood from stored judgments, and uses an LLM only when one is configured, keeping the local summary
whenever the LLM's text is not supported by the messages it cites.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from langchain_core.language_models.chat_models import BaseChatModel

from assistant.config import Settings
from assistant.domain import Judgment, Message, Summary
from assistant.encoder import Encoder
from assistant.errors import NotFoundError, PermissionDeniedError
from assistant.store import Archive, Index
from assistant.summaries.conversation import Conversation, conversation_vectors, turns_from_messages
from assistant.summaries.llm_writer import LlmSummarizer, UnsupportedSummary
from assistant.summaries.local import LocalSettings, LocalSummarizer
from assistant.summaries.models import ChannelRecap, RecapThread
from assistant.summaries.mood import assess_mood
from assistant.summaries.text import is_small_talk

logger = logging.getLogger(__name__)


class SummaryService:
    """Summaries members can trust: every point cites the message it comes from."""

    def __init__(
        self,
        archive: Archive,
        index: Index,
        encoder: Encoder,
        settings: Settings,
        chat_model: BaseChatModel | None = None,
    ) -> None:
        self.archive = archive
        self.index = index
        self.encoder = encoder
        self.settings = settings
        self.chat_model = chat_model if settings.summary_use_llm else None
        self.local = LocalSummarizer(LocalSettings(toxicity_threshold=settings.threshold("toxicity")))
        self.llm = (
            LlmSummarizer(self.chat_model, encoder, min_similarity=settings.summary_support_similarity)
            if self.chat_model is not None
            else None
        )

    # Threads --------------------------------------------------------------------------------------------------
    def thread(self, channel_id: str, thread_ts: str, visible_channel_ids: set[str] | None = None) -> Summary:
        """Summary of one thread; ``channel_id`` may also be a channel name. Raises ``PermissionDeniedError``
        when the asker cannot see the channel and ``NotFoundError`` when there is nothing to summarise."""
        channel = self.archive.channel(channel_id)
        self._check_visible(channel.id, visible_channel_ids)
        thread = self.archive.thread(channel.id, thread_ts)
        return self.summarize_messages(
            thread.messages, channel_id=channel.id, thread_ts=thread_ts, channel_name=channel.name
        )

    def summarize_messages(
        self,
        messages: Sequence[Message],
        *,
        channel_id: str,
        thread_ts: str | None = None,
        channel_name: str | None = None,
    ) -> Summary:
        started = time.perf_counter()
        conv = self.conversation(messages)
        if len(conv) == 0:
            raise NotFoundError(
                f"Thread {thread_ts} in channel {channel_id} has no messages with text to summarise."
            )
        judgments = self._judgments(channel_id, [t.ts for t in conv.turns])
        local = self.local.summarize(
            conv,
            channel_id=channel_id,
            thread_ts=thread_ts,
            judgments=judgments,
            reverse_names=self._reverse_names(),
        )
        summary = local
        if self.llm is not None:
            try:
                summary = self.llm.summarize(conv, local, channel_name=channel_name or channel_id)
            except UnsupportedSummary as exc:
                logger.info("LLM summary of %s:%s rejected: %s", channel_id, thread_ts, exc)
                summary = local.model_copy(
                    update={"method": "local-fallback", "notes": [f"The LLM summary was not used: {exc}."]}
                )
            except Exception as exc:  # a chat model can fail in many provider-specific ways
                logger.warning("LLM summary of %s:%s failed: %s", channel_id, thread_ts, exc)
                summary = local.model_copy(
                    update={
                        "method": "local-fallback",
                        "notes": [f"The LLM could not be reached ({type(exc).__name__})."],
                    }
                )
        logger.info(
            "summarised %d messages in %.2fs (%d encoded)",
            len(conv),
            time.perf_counter() - started,
            conv.encoded,
        )
        return summary.model_copy(update={"encoded": conv.encoded})

    def conversation(self, messages: Sequence[Message]) -> Conversation:
        """Turns with stored vectors (only unindexed messages are encoded) and member names."""
        turns = turns_from_messages(messages, self._reverse_names())
        keys = [f"{m.channel_id}:{m.ts}" for m in messages if m.ts in {t.ts for t in turns}]
        stored = self.index.message_vectors(keys) if keys else {}
        by_ts = {m.ts: m for m in messages}
        vectors, encoded = conversation_vectors(
            [f"{by_ts[t.ts].channel_id}:{t.ts}" for t in turns],
            [by_ts[t.ts].text for t in turns],
            stored,
            self.encoder,
        )
        return Conversation(turns, vectors, names=self._names(), encoded=encoded)

    # Channel recaps -------------------------------------------------------------------------------------------
    def recap(
        self,
        channel: str,
        since: datetime,
        until: datetime | None = None,
        visible_channel_ids: set[str] | None = None,
    ) -> ChannelRecap:
        """The threads that mattered most in ``channel`` between ``since`` and ``until`` (default: now)."""
        found = self.archive.channel(channel)
        self._check_visible(found.id, visible_channel_ids)
        until = until or datetime.now(UTC)
        if since >= until:
            raise ValueError("the start of a recap period must be before its end")
        talk = self.archive.messages(found.id, since=since, until=until, conversation_only=True)
        groups: dict[str, list[Message]] = defaultdict(list)
        for m in talk:
            groups[m.thread_ts or m.ts].append(m)
        ranked = sorted(
            (
                (_thread_score(msgs), root, msgs)
                for root, msgs in groups.items()
                if not all(is_small_talk(m.text) for m in msgs)  # a lone "thanks!" never makes a recap
            ),
            key=lambda x: (-x[0], x[1]),
        )
        recap = ChannelRecap(
            channel_id=found.id,
            channel_name=found.name,
            since=since,
            until=until,
            messages=len(talk),
            threads=sum(1 for msgs in groups.values() if len(msgs) > 1),
            active_members=len({m.user_id for m in talk}),
        )
        if talk:
            turns = turns_from_messages(talk)
            judgments = self._judgments(found.id, [t.ts for t in turns])
            recap.mood = assess_mood(
                turns, judgments, toxicity_threshold=self.settings.threshold("toxicity")
            ).model_dump()
        for score, root, msgs in ranked[: self.settings.summary_recap_threads]:
            try:
                thread = self.archive.thread(found.id, root).messages
            except NotFoundError:
                thread = msgs
            try:
                summary = self.summarize_messages(
                    thread, channel_id=found.id, thread_ts=root, channel_name=found.name
                )
            except NotFoundError:
                continue
            recap.top_threads.append(
                RecapThread(
                    thread_ts=root,
                    score=round(score, 2),
                    replies=sum(1 for m in msgs if m.ts != root),
                    reactions=sum(m.reaction_count for m in msgs),
                    people=len({m.user_id for m in msgs}),
                    summary=summary,
                )
            )
        return recap

    # Helpers --------------------------------------------------------------------------------------------------
    @staticmethod
    def _check_visible(channel_id: str, visible: Collection[str] | None) -> None:
        if visible is not None and channel_id not in visible:
            raise PermissionDeniedError(
                "Sorry, that conversation is in a channel you are not a member of, so I can't summarise it for you."
            )

    def _judgments(self, channel_id: str, tss: Sequence[str]) -> dict[str, Judgment]:
        out: dict[str, Judgment] = {}
        for ts in tss:
            j = self.archive.judgment(channel_id, ts)
            if j is not None:
                out[ts] = j
        return out

    def _names(self) -> dict[str, str]:
        return self.archive.member_names()

    def _reverse_names(self) -> dict[str, str]:
        reverse: dict[str, str] = {}
        for m in self.archive.members():
            for label in (
                m.name,
                m.display_name,
                m.real_name,
                m.label,
                m.real_name.split(" ")[0] if m.real_name else "",
            ):
                if label:
                    reverse.setdefault(label.lower(), m.id)
        return reverse


def _thread_score(messages: Sequence[Message]) -> float:
    """Replies count most, then reactions, then how many different people took part."""
    replies = max(0, len(messages) - 1)
    reactions = sum(m.reaction_count for m in messages)
    people = len({m.user_id for m in messages})
    return replies + 0.5 * reactions + 1.5 * max(0, people - 1)

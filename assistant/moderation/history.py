"""Stored history as replay reads it (``replay.ReplaySource``): conversation with judgments (judged again from
stored vectors where an older model, or none, judged it), current policies, the clauses flags would cite, and
moderators' decisions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from assistant.domain import Judgment, Message
from assistant.lazy import provided
from assistant.moderation.models import ChannelPolicy, ClauseRef, FlagRecord
from assistant.moderation.replay import JudgedHistory
from assistant.moderation.scope import FlagSources

if TYPE_CHECKING:
    from assistant.pipeline import Judge


class StoredHistory:
    """Implements ``ReplaySource`` over the archive, the index, the moderation store and the judge."""

    def __init__(self, sources: FlagSources, judge: Judge | Callable[[], Judge | None] | None) -> None:
        self.scope = sources.scope
        self.store = sources.store
        self._policies = sources.policies
        self.vectors = sources.vectors
        # The judge, or how to get it: only a replay over messages an older model judged needs one.
        self._judge_source = judge

    @cached_property
    def judge(self) -> Judge | None:
        return provided(self._judge_source)

    def now(self) -> datetime:
        return self.scope.clock()

    def burst_window(self) -> float:
        return float(self.scope.settings.alert_group_minutes * 60)

    def channel_names(self) -> dict[str, str]:
        return self.scope.channel_names()

    def policies(self, channel_ids: Iterable[str]) -> dict[str, ChannelPolicy]:
        wanted = list(channel_ids)
        if not wanted:
            return {}
        names = self.scope.channel_names()
        stored = self._policies.overrides()
        return {cid: self._policies.resolve(cid, names.get(cid), overrides=stored) for cid in wanted}

    def judged_history(self, channel_id: str | None, since: datetime | None) -> JudgedHistory:
        archive = self.scope.archive
        messages = archive.messages(channel_id, since=since, conversation_only=True)
        messages = [m for m in messages if m.text.strip()]
        judgments = archive.judgments(channel_id)
        rejudged = 0
        if self.judge is not None:
            stale = [
                m
                for m in messages
                if (j := judgments.get((m.channel_id, m.ts))) is None or j.model_version != self.judge.version
            ]
            if stale:
                stored = self.vectors.index.message_vectors([m.key for m in stale])
                have = [m for m in stale if m.key in stored]
                if have:
                    vectors = np.stack([stored[m.key] for m in have])
                    for j in self.judge.judge(have, vectors):
                        judgments[(j.channel_id, j.ts)] = j
                    rejudged = len(have)
        return JudgedHistory(messages, judgments, rejudged)

    def clauses(self, flagged: Sequence[tuple[Message, Judgment, str]]) -> list[ClauseRef | None]:
        """A flag's stored clause when it was flagged for the same judgment, else the clause retrieval finds."""
        vectors = self.vectors.get([m.key for m, _, _ in flagged])
        out: list[ClauseRef | None] = []
        for m, j, judgment in flagged:
            existing = self.store.flag_for(m.channel_id, m.ts)
            if existing is not None and existing.judgment == judgment and existing.clause_ref is not None:
                out.append(existing.clause_ref)
            else:
                out.append(self.vectors.clauses.find(vectors.get(m.key), judgment, j))
        return out

    def decided_flags(self, channel_id: str | None) -> list[FlagRecord]:
        return self.store.flags(channel_id, decided_only=True)

"""Composition root: builds the archive, encoder, index, judge and services from ``Settings``, lazily.

Adapters (CLI, Slack app, evals) hold one ``Context``; core services receive what they need explicitly. The
context also holds the clock (``assistant.clock``): live surfaces ask ``ctx.clock()`` for "now", and tests pass a
frozen one. Tests (and embedders) hand in an encoder, index or judge they built themselves through the constructor;
whatever is not handed in is built from the settings on first use.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING

from assistant.clock import Clock, system_clock
from assistant.config import Settings
from assistant.knowledge import Knowledge, load_knowledge

if TYPE_CHECKING:  # the heavy parts (torch, transformers, Chroma) are imported when first used, not at start-up
    from collections.abc import Sequence

    import numpy as np

    from assistant.claims import ClaimsService
    from assistant.domain.moderation import FlagRecord
    from assistant.domain.records import ModerationActionKind
    from assistant.encoder import Encoder
    from assistant.insights import InsightsService, QAService
    from assistant.judgments import JudgmentEngine
    from assistant.moderation import ModerationService
    from assistant.pipeline import Pipeline
    from assistant.store.archive import Archive
    from assistant.store.index import Index
    from assistant.summaries import SummaryService
    from assistant.surveys.service import SurveyService

logger = logging.getLogger(__name__)


class Context:
    def __init__(
        self,
        settings: Settings,
        clock: Clock = system_clock,
        *,
        encoder: Encoder | None = None,
        index: Index | None = None,
        judge: JudgmentEngine | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        overrides = {"encoder": encoder, "index": index, "judge": judge}
        for name, given in overrides.items():
            if given is not None:
                self.__dict__[name] = given  # what the cached property below would otherwise build

    @cached_property
    def archive(self) -> Archive:
        from assistant.store.archive import Archive

        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return Archive(self.settings.archive_url)

    @cached_property
    def encoder(self) -> Encoder:
        from assistant.encoder import get_encoder

        return get_encoder(
            self.settings.encoder_model,
            batch_size=self.settings.encoder_batch_size,
            max_tokens=self.settings.encoder_max_tokens,
            int8=self.settings.encoder_int8,
            threads=self.settings.torch_threads,
        )

    @cached_property
    def knowledge(self) -> Knowledge:
        return load_knowledge(self.settings.knowledge_dir)

    @cached_property
    def index(self) -> Index:
        """The index; the encoder is built only when something is encoded (or the index was written by another
        encoder configuration): opening it to read stored vectors loads no model (``Index``'s ``key``)."""
        from assistant.store.index import MESSAGES, Index, encoder_key

        given = "encoder" in self.__dict__  # a handed-in encoder is not the one the settings describe
        index = Index(
            lambda: self.encoder,
            path=None if self.settings.chroma_host else self.settings.chroma_path,
            host=self.settings.chroma_host,
            port=self.settings.chroma_port,
            key=None if given else encoder_key(self.settings.encoder_model, int8=self.settings.encoder_int8),
        )
        k = self.knowledge
        index.load_knowledge(k.clauses, k.facts, k.claims)
        index.collection(MESSAGES)
        if MESSAGES in index.reset:  # the encoder changed: stored messages are encoded and judged again
            count = self.archive.mark_all_unindexed()
            logger.warning("the encoder changed: %d stored messages will be re-indexed on the next ingest", count)
        return index

    @cached_property
    def judge(self) -> JudgmentEngine:
        """The judgment engine from the trained heads shipped in the package (or configured artifacts)."""
        from assistant.judgments import load_judge

        version = None if self.settings.encoder_model else str(getattr(self.encoder, "version", ""))
        judge = load_judge(self.settings, self.index, self.knowledge, encoder_version=version)
        if judge.claims is not None:
            judge.claims.attach(self.claims.matrix)  # claims come from the archive's claims store
        from assistant.blas import one_blas_thread

        one_blas_thread()  # this process judges: numpy's BLAS threads stop fighting torch's (assistant.blas)
        return judge

    @cached_property
    def claims(self) -> ClaimsService:
        """The claims store (``assistant.claims``), seeded once from the knowledge folder's false claims."""
        from assistant.claims import ClaimsService

        service = ClaimsService(self.archive, self.encoder, clock=self.clock)
        service.seed(self.knowledge)
        return service

    @cached_property
    def pipeline(self) -> Pipeline:
        from assistant.pipeline import Pipeline

        pipeline = Pipeline(self.archive, self.encoder, self.index, self.judge)
        pipeline.listeners.append(self.moderation.moderate)  # flags for every batch (ingest, backfill, live)
        return pipeline

    # ---- services (each issue adds its own below) --------------------------------------------------------------

    @cached_property
    def moderation(self) -> ModerationService:
        """Policy, flags with evidence, actions, audit, calibration and replay (see ``assistant.moderation``)."""
        from assistant.moderation import ModerationService

        service = ModerationService(  # the index and judge load on first use: policy and audit need neither
            self.archive,
            lambda: self.index,
            self.knowledge,
            self.settings,
            judge=lambda: self.judge,
            clock=self.clock,
        )
        service.actions.listeners.append(self._confirm_repeat)
        return service

    def _confirm_repeat(self, flag: FlagRecord, kind: ModerationActionKind, actor: str) -> None:
        """A moderator's warn, remove or escalate on a claim flag teaches the claims store that repeat (loading
        the encoder only then)."""
        from assistant.claims.repeats import confirms

        if confirms(flag, kind):
            self.claims.confirmed.on_action(flag, kind, actor)

    @cached_property
    def insights(self) -> InsightsService:
        """Metrics, members, wants, topics, digests and reports over the archive (see ``assistant.insights``)."""
        from assistant.insights import InsightsService
        from assistant.insights.milestones import Thresholds

        service = InsightsService(
            self.archive,
            lambda: self.index,  # opened only when an answer needs vectors (the encoder: when it encodes)
            vectors=self._stored_vectors,
            profile_encoder=lambda: self._encoder_fingerprint,
            want_threshold=self.settings.threshold("want"),
            quiet_weeks=self.settings.insights_quiet_weeks,
            newcomer_days=self.settings.insights_newcomer_days,
            permalink_base=self.settings.slack_workspace_url,
            clock=self.clock,
        )
        service.milestone_thresholds = Thresholds.from_settings(self.settings)  # type: ignore[attr-defined]
        # survey answers are wants too (solicited ones), in "what does #X want?"
        surveys = self._surveys
        service.solicited_wants = lambda cid: surveys().solicited_messages(cid)  # type: ignore[attr-defined]
        service.surveys = surveys  # type: ignore[attr-defined]  # for the report's survey section
        return service

    @cached_property
    def qa(self) -> QAService:
        """Managers' questions answered from the archive with citations (``assistant ask`` and Slack ``/ask``)."""
        from assistant.insights import QAService
        from assistant.llm import make_chat_model

        return QAService(self.insights, lambda: self.index, make_chat_model(self.settings))  # index on first use

    @cached_property
    def summaries(self) -> SummaryService:
        """Thread summaries and channel recaps (``assistant summarize`` and the Slack app)."""
        from assistant.llm import make_chat_model
        from assistant.summaries import SummaryService

        chat_model = make_chat_model(self.settings) if self.settings.summary_use_llm else None
        return SummaryService(self.archive, self.index, self.encoder, self.settings, chat_model=chat_model)

    def apply_retention(self) -> int:
        """Really delete what is older than ``ASSISTANT_RETENTION_DAYS`` (``assistant.retention``); returns the
        number of messages deleted."""
        from assistant.retention import apply_retention

        days = self.settings.retention_days
        if not days:
            return 0
        report = apply_retention(self.archive, self.index, self.moderation, days=days, now=self.clock())
        return report.messages

    @cached_property
    def _encoder_fingerprint(self) -> str:
        """The configured encoder's fingerprint (what stored vectors and members' profiles were computed with)."""
        from assistant.store.encoder_key import encoder_key

        key = encoder_key(self.settings.encoder_model, int8=self.settings.encoder_int8)
        return key.fingerprint if key is not None else ""

    def _stored_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Messages' stored vectors. An embedded index that was never created holds none: then Chroma is not even
        imported (an archive written without the pipeline, or before the first ingest)."""
        if not keys:
            return {}
        never_created = (
            not self.settings.chroma_host and not (self.settings.chroma_path / "chroma.sqlite3").exists()
        )
        if never_created and "index" not in self.__dict__:
            return {}
        if "index" not in self.__dict__ and not self.settings.chroma_host and "encoder" not in self.__dict__:
            from assistant.store.encoder_key import encoder_key
            from assistant.store.stored_vectors import embedded_vectors

            key = encoder_key(self.settings.encoder_model, int8=self.settings.encoder_int8)
            found = embedded_vectors(self.settings.chroma_path, key, keys)  # no chromadb import (0.4-0.7 s)
            if found is not None:
                return found
        return self.index.message_vectors(keys)

    def _surveys(self) -> SurveyService:
        from assistant.surveys import survey_service

        return survey_service(self)

    def close(self) -> None:
        if "archive" in self.__dict__:
            self.archive.close()

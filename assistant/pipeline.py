"""The one-way flow: a message is stored, encoded once, judged from that vector, indexed, then moderated.

Used by export ingestion, live Slack events and backfill alike, so every path judges and indexes the same way.
Each step is idempotent and the archive keeps two done marks per message (indexed, moderated), set only after
the step's effects are written: a process killed between any two steps leaves work that the next run finishes
(``process_pending``), never work that is silently skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.domain import Judgment, Message
from assistant.domain.moderation import Alert
from assistant.encoder import Encoder
from assistant.ingest import ExportContents, ExportProblem, read_export
from assistant.store import Archive, Index
from assistant.store.archive import UpsertResult

logger = logging.getLogger(__name__)

BATCH = 512


class Judge(Protocol):
    """Anything that turns messages and their encoder vectors into judgments (see ``assistant.judgments``)."""

    version: str

    def judge(self, messages: Sequence[Message], vectors: np.ndarray) -> list[Judgment]: ...


@dataclass
class ProcessedBatch:
    messages: list[Message] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    judgments: list[Judgment] = field(default_factory=list)
    removed: list[Message] = field(default_factory=list)
    #: Moderation's alerts for the batch, for the adapter that started it (None until first rendered).
    alerts: list[Alert] | None = None
    #: The alerts moderation opened or updated, by id: whether each existed before (None until moderation ran).
    alert_updates: dict[int, bool] | None = None
    #: Live messages whose alerts go to moderators (export ingest and catch-up update flags silently).
    announce: bool = False


@dataclass
class IngestReport:
    source: str
    channels: int = 0
    members: int = 0
    files_read: int = 0
    upserts: UpsertResult = field(default_factory=UpsertResult)
    processed: int = 0
    problems: list[ExportProblem] = field(default_factory=list)
    seconds: float = 0.0


#: Called after each processed batch (moderation turns crossings into flags here).
BatchListener = Callable[[ProcessedBatch], object]
#: Called after each step of a batch ("stored", "judged", "indexed", "moderated" (listeners ran), "done" (marks
#: written)): progress tracing, and the seam the reliability tests use to stop a run between two steps.
StepHook = Callable[[str, ProcessedBatch], object]


class Pipeline:
    def __init__(
        self,
        archive: Archive,
        encoder: Encoder,
        index: Index,
        judge: Judge | None = None,
    ) -> None:
        self.archive = archive
        self.encoder = encoder
        self.index = index
        self.judge = judge
        self.listeners: list[BatchListener] = []
        self.on_step: StepHook | None = None

    def ingest_export(
        self, path: Path | str, *, progress: bool = False, include_direct_messages: bool = False
    ) -> IngestReport:
        started = time.perf_counter()
        contents = read_export(path, progress=progress, include_direct_messages=include_direct_messages)
        return self.ingest_contents(contents, str(path), started=started, progress=progress)

    def ingest_contents(
        self, contents: ExportContents, source: str, *, started: float | None = None, progress: bool = False
    ) -> IngestReport:
        """Store what an export held, then encode, judge and index what is new or changed."""
        started = started if started is not None else time.perf_counter()
        report = IngestReport(source=source, problems=contents.problems, files_read=contents.files_read)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipeline-encode") as worker:
            early = self._first_batch_early(worker, contents.messages)
            report.members = self.archive.upsert_members(contents.members)
            report.channels = self.archive.upsert_channels(contents.channels)
            for channel_id, user_id, at in contents.joins:
                self.archive.add_membership(channel_id, user_id, at)
            report.upserts = self.archive.upsert_messages(contents.messages)
            self._step("stored", ProcessedBatch())
            report.processed = self._process_pending(worker, progress=progress, early=early)
        report.seconds = time.perf_counter() - started
        return report

    def _first_batch_early(
        self, worker: ThreadPoolExecutor, messages: Sequence[Message]
    ) -> tuple[list[Message], Future[ProcessedBatch]] | None:
        """Into an empty archive, the first batch to process is the export's first ``BATCH`` messages (in time
        order, as ``unfinished`` reads them back): it is encoded and judged while the export is stored. Only a
        guess, checked against what is really pending before it is used (``_adopt``)."""
        if not messages or self.archive.count_messages():
            return None
        guess = sorted(messages, key=lambda m: float(m.ts))[:BATCH]
        return guess, worker.submit(self._prepare, guess)

    def process_pending(self, *, progress: bool = False, limit: int | None = None) -> int:
        """Encode, judge, index and moderate every message stored but not through every step (new, changed, or
        interrupted by a crash), or only the ``limit`` oldest of them."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipeline-encode") as worker:
            return self._process_pending(worker, progress=progress, limit=limit)

    def _process_pending(
        self,
        worker: ThreadPoolExecutor,
        *,
        progress: bool = False,
        limit: int | None = None,
        early: tuple[list[Message], Future[ProcessedBatch]] | None = None,
    ) -> int:
        pending = self.archive.unfinished(limit)
        if not pending:
            return 0
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(pending), desc="encoding, judging, indexing", unit="msg", leave=False)
        done = 0
        batches = [pending[start : start + BATCH] for start in range(0, len(pending), BATCH)]
        # The next batch is encoded and judged (computation only, no writes) on a worker thread while this one is
        # stored, indexed and moderated: torch releases the GIL, so the encoder and the store's Python overlap.
        # Every write stays on this thread in the order ``process`` has, so the done marks mean what they did.
        adopted = self._adopt(batches[0], early) if early is not None else None
        ahead = _done(adopted) if adopted is not None else worker.submit(self._prepare, batches[0])
        for i, messages in enumerate(batches):
            prepared = ahead.result()
            if i + 1 < len(batches):
                ahead = worker.submit(self._prepare, batches[i + 1])
            batch = self._apply(messages, prepared)  # a failure here waits for the worker, then is raised
            done += len(batch.messages) + len(batch.removed)
            if bar is not None:
                bar.update(len(batch.messages) + len(batch.removed))
        if bar is not None:
            bar.close()
        return done

    def _adopt(
        self, messages: Sequence[Message], early: tuple[list[Message], Future[ProcessedBatch]]
    ) -> ProcessedBatch | None:
        """The early batch for these stored messages, if it is theirs: guessed for the same messages, with the same
        talk (keys and texts, all that vectors and judgments depend on) and the same removals; the stored messages
        go on, not the export's."""
        guess, future = early
        if [m.key for m in guess] != [m.key for m in messages]:
            return None
        try:
            prepared = future.result()
        except Exception:  # the guess's own failure: the real batch is prepared (and fails, if it does) as usual
            logger.debug("the early first batch failed; prepared again", exc_info=True)
            return None
        talk, gone = _split(messages)
        batch = ProcessedBatch(messages=talk, removed=gone, vectors=prepared.vectors, judgments=prepared.judgments)
        same_talk = [(m.key, m.text) for m in batch.messages] == [(m.key, m.text) for m in prepared.messages]
        same_removed = [m.key for m in batch.removed] == [m.key for m in prepared.removed]
        return batch if same_talk and same_removed else None

    def process(self, messages: Sequence[Message], *, announce: bool = False) -> ProcessedBatch:
        """The core step for already-stored messages: one encoder pass, judgments, index, then the listeners
        (moderation). Each done mark is written only after its step's effects."""
        return self._apply(messages, self._prepare(messages, announce=announce))

    def _prepare(self, messages: Sequence[Message], *, announce: bool = False) -> ProcessedBatch:
        """A batch's computation, which writes nothing: which messages are talk, their vectors and judgments."""
        talk, gone = _split(messages)
        batch = ProcessedBatch(messages=talk, removed=gone, announce=announce)
        if talk:
            batch.vectors = self.encoder.encode([m.text for m in talk]).vectors
            if self.judge is not None:
                batch.judgments = self.judge.judge(talk, batch.vectors)
        return batch

    def _apply(self, messages: Sequence[Message], batch: ProcessedBatch) -> ProcessedBatch:
        """A prepared batch's writes, in order: index deletions, judgments, index, listeners, then each mark."""
        talk, gone = batch.messages, batch.removed
        keys = [(m.channel_id, m.ts) for m in messages]
        if gone:
            self.index.delete_messages([m.key for m in gone])
        if talk:
            if self.judge is not None:
                self.archive.save_judgments(batch.judgments)
                self._step("judged", batch)
            self.index.add_messages(talk, batch.vectors)
        self.archive.mark_indexed(keys)
        self._step("indexed", batch)
        for listener in self.listeners:
            listener(batch)
        self._step("moderated", batch)
        self.archive.mark_moderated(keys)
        self._step("done", batch)
        return batch

    def _step(self, name: str, batch: ProcessedBatch) -> None:
        if self.on_step is not None:
            self.on_step(name, batch)

    def receive(self, message: Message, *, announce: bool = False) -> ProcessedBatch:
        """A live message (new or edited): store it, and process it unless it already went through every step
        unchanged (a redelivery of an event that finished)."""
        result = self.archive.upsert_messages([message])
        if result.unchanged and self.archive.is_finished(message.channel_id, message.ts):
            return ProcessedBatch()
        stored = self.archive.get_message(message.channel_id, message.ts)
        self._step("stored", ProcessedBatch(messages=[stored], announce=announce))
        return self.process([stored], announce=announce)

    def delete(self, channel_id: str, ts: str) -> ProcessedBatch:
        """A deleted message leaves the index and answers (its row stays, marked, so threads stay whole)."""
        if not self.archive.mark_deleted(channel_id, ts):
            return ProcessedBatch()
        return self.process([self.archive.get_message(channel_id, ts)], announce=True)


def _split(messages: Sequence[Message]) -> tuple[list[Message], list[Message]]:
    """Talk (a person's message with text: encoded, judged, indexed) and the rest (taken out of the index)."""
    talk = [m for m in messages if m.is_human and m.text.strip()]
    return talk, [m for m in messages if not (m.is_human and m.text.strip())]


def _done(batch: ProcessedBatch) -> Future[ProcessedBatch]:
    """A batch already prepared, as the worker's future of it."""
    future: Future[ProcessedBatch] = Future()
    future.set_result(batch)
    return future

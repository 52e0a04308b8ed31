"""Backfill: read a channel's history and threads through the Web API into the archive and the index.

Pages are paced to the method's rate tier, a ``429`` waits ``Retry-After`` (the client's retry handler), and a
cursor is saved after every page so a crash resumes where it stopped instead of starting over.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from pydantic import BaseModel, Field
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant.domain import Message
from assistant.pipeline import Pipeline
from assistant.slack.convert import message_from_payload
from assistant.slack.directory import Directory
from assistant.slack.web import error_code, to_error

logger = logging.getLogger(__name__)

#: Tier 3 methods (conversations.history / replies) allow about 50 calls a minute for an internal app.
TIER3_INTERVAL = 1.2
STATE_PREFIX = "slack-backfill:"


class BackfillState(BaseModel):
    """What is saved after each page: enough to resume after a crash."""

    phase: str = "history"  # history -> threads -> done
    cursor: str | None = None
    oldest: str | None = None  # only messages newer than this (an incremental re-run)
    newest: str | None = None  # newest ts seen so far
    threads: list[str] = Field(default_factory=list)
    thread_cursor: str | None = None
    pages: int = 0
    messages: int = 0


class BackfillReport(BaseModel):
    channel_id: str
    resumed: bool = False
    pages: int = 0
    messages: int = 0
    threads: int = 0
    processed: int = 0
    seconds: float = 0.0


class Backfiller:
    """Reads history and replies with pagination; every page is archived, then encoded, judged and indexed."""

    def __init__(
        self,
        client: WebClient,
        pipeline: Pipeline,
        directory: Directory,
        *,
        page_size: int = 200,
        min_interval: float = TIER3_INTERVAL,
        lock: threading.Lock | None = None,
    ) -> None:
        self.client = client
        self.pipeline = pipeline
        self.archive = pipeline.archive
        self.directory = directory
        self.page_size = page_size
        self.min_interval = min_interval
        self.lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()
        self._last_call = 0.0

    # Public -----------------------------------------------------------------------------------------------------
    def channel(self, channel_id: str) -> BackfillReport:
        """Backfill one channel (resuming a saved cursor, or only newer messages after a finished run)."""
        started = time.perf_counter()
        self.directory.channel(channel_id)
        state, resumed = self._load(channel_id)
        report = BackfillReport(channel_id=channel_id, resumed=resumed)
        if state.phase == "history":
            self._history(channel_id, state, report)
        if state.phase == "threads":
            self._threads(channel_id, state, report)
        state.phase = "done"
        state.cursor = None
        state.oldest = state.newest
        self._save(channel_id, state)
        report.seconds = round(time.perf_counter() - started, 3)
        logger.info("backfilled %s: %s", channel_id, report.model_dump())
        return report

    def thread(self, channel_id: str, thread_ts: str) -> int:
        """Fetch one thread (e.g. to summarise a thread from before the assistant joined); returns messages."""
        self.directory.channel(channel_id)
        count = 0
        for page in self._pages("conversations.replies", channel=channel_id, ts=thread_ts):
            count += self._store(channel_id, page.get("messages", []))
        self._process()
        return count

    # Phases -----------------------------------------------------------------------------------------------------
    def _history(self, channel_id: str, state: BackfillState, report: BackfillReport) -> None:
        while True:
            params: dict[str, Any] = {"channel": channel_id, "limit": self.page_size}
            if state.cursor:
                params["cursor"] = state.cursor
            if state.oldest:
                params["oldest"] = state.oldest
            page = self._call("conversations.history", params)
            items = page.get("messages", [])
            report.messages += self._store(channel_id, items)
            for item in items:
                ts = str(item.get("ts", ""))
                if item.get("reply_count") and ts and ts not in state.threads:
                    state.threads.append(ts)
                if ts and (state.newest is None or float(ts) > float(state.newest)):
                    state.newest = ts
            report.pages += 1
            state.pages += 1
            state.messages += len(items)
            report.processed += self._process()
            state.cursor = _next_cursor(page)
            if not state.cursor:
                state.phase = "threads"
            self._save(channel_id, state)
            if state.phase != "history":
                return

    def _threads(self, channel_id: str, state: BackfillState, report: BackfillReport) -> None:
        while state.threads:
            thread_ts = state.threads[0]
            while True:
                params: dict[str, Any] = {"channel": channel_id, "ts": thread_ts, "limit": self.page_size}
                if state.thread_cursor:
                    params["cursor"] = state.thread_cursor
                page = self._call("conversations.replies", params, tolerate={"thread_not_found"})
                if not page:
                    break
                report.messages += self._store(channel_id, page.get("messages", []))
                report.pages += 1
                state.thread_cursor = _next_cursor(page)
                self._save(channel_id, state)
                if not state.thread_cursor:
                    break
            report.processed += self._process()
            report.threads += 1
            state.threads.pop(0)
            state.thread_cursor = None
            self._save(channel_id, state)

    # Internals --------------------------------------------------------------------------------------------------
    def _store(self, channel_id: str, items: list[dict[str, Any]]) -> int:
        for user in {str(i["user"]) for i in items if i.get("user")}:
            self.directory.ensure_member(user)
        users, channels = self.directory.user_names(), self.directory.channel_names()
        messages: list[Message] = []
        for item in items:
            message = message_from_payload(item, channel_id, users, channels)
            if message is None:
                continue
            messages.append(message)
            if message.subtype in ("channel_join", "group_join") and message.user_id:
                self.archive.add_membership(channel_id, message.user_id, message.time)
        with self.lock:
            self.archive.upsert_messages(messages)
        return len(messages)

    def _process(self) -> int:
        done = 0
        with self.lock:
            while step := self.pipeline.process_pending(limit=256):  # moderation flags as a pipeline listener
                done += step
        return done

    def _pages(self, method: str, **params: Any) -> Iterator[dict[str, Any]]:
        cursor: str | None = None
        while True:
            call = dict(params, limit=self.page_size)
            if cursor:
                call["cursor"] = cursor
            page = self._call(method, call)
            yield page
            cursor = _next_cursor(page)
            if not cursor:
                return

    def _call(self, method: str, params: dict[str, Any], tolerate: set[str] | None = None) -> dict[str, Any]:
        wait = self.min_interval - (time.monotonic() - self._last_call)
        if wait > 0:
            time.sleep(wait)
        try:
            response = self.client.api_call(method, http_verb="GET", params=params)
        except SdkApiError as exc:
            if tolerate and error_code(exc) in tolerate:
                return {}
            raise to_error(exc, f"reading {params.get('channel')} with {method}") from exc
        finally:
            self._last_call = time.monotonic()
        return dict(response.data) if isinstance(response.data, dict) else {}

    def _load(self, channel_id: str) -> tuple[BackfillState, bool]:
        saved = self.archive.get_state(STATE_PREFIX + channel_id)
        if not saved:
            return BackfillState(), False
        state = BackfillState.model_validate(saved)
        if state.phase == "done":
            return BackfillState(oldest=state.oldest or state.newest, newest=state.newest), False
        return state, True

    def _save(self, channel_id: str, state: BackfillState) -> None:
        self.archive.set_state(STATE_PREFIX + channel_id, state.model_dump())


def _next_cursor(page: dict[str, Any]) -> str | None:
    meta = page.get("response_metadata") or {}
    cursor = meta.get("next_cursor") if isinstance(meta, dict) else None
    return str(cursor) if cursor else None

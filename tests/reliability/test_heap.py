"""Freed text must not come back in a heap block taken by the embedded index, which persists its buffers whole,
unused slots included (see ``assistant/store/heap.py``)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from assistant.clock import frozen_clock
from assistant.config import load_settings
from assistant.context import Context
from assistant.domain import Message
from assistant.encoder import Encoder
from assistant.store import heap
from tests.reliability.test_retention import CHANNEL, MODERATOR, NOW, OLD_AUTHOR, OLD_MARK, _files_holding, _ts
from tests.slack.doubles import KeywordJudge, MemoEncoder

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")

MARK = b"QUOKKAHEAPMARK"


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    return libc


def _reused_block(size: int) -> bytes:
    """Fill a heap block with the mark and free it outside ``zeroing``; take a block of the same size inside."""
    libc = _libc()
    big = libc.malloc(8_000_000)  # freeing a large block lifts glibc's mmap threshold: big blocks then reuse heap
    libc.free(big)
    first = libc.malloc(size)
    ctypes.memmove(first, MARK * (size // len(MARK)), size // len(MARK) * len(MARK))
    libc.free(first)
    with heap.zeroing() as zeroed:
        assert zeroed
        with heap.zeroing():  # nested and from other threads alike
            second = libc.malloc(size)
    try:
        return ctypes.string_at(second, size)
    finally:
        libc.free(second)


@pytest.mark.parametrize("size", [4_096, 167_600, 1_048_576])
def test_a_heap_block_taken_while_zeroing_never_carries_freed_text(size: int) -> None:
    assert MARK not in _reused_block(size)


def test_zeroing_is_off_again_after_the_call() -> None:
    with heap.zeroing():
        pass
    assert heap._depth == 0


def test_the_embedded_client_and_its_collections_run_under_zeroing(tmp_path: Path) -> None:
    import chromadb
    from chromadb.config import Settings

    seen: list[int] = []
    client = heap.ZeroingProxy(
        chromadb.PersistentClient(path=str(tmp_path), settings=Settings(anonymized_telemetry=False))
    )
    col = client.get_or_create_collection(name="coll", embedding_function=None)
    assert isinstance(col, heap.ZeroingProxy) and col.name == "coll"
    original = col._target.count
    col._target.count = lambda: seen.append(heap._depth) or original()  # type: ignore[method-assign]
    assert col.count() == 0
    assert seen == [1] and heap._depth == 0


def _litter_chromas_heap(path: Path) -> None:
    """Pass large documents carrying the deleted message's words and author through Chroma and free them, after
    lifting glibc's mmap threshold: what a long-running process (or the full test suite) leaves behind."""
    import chromadb
    from chromadb.config import Settings

    libc = _libc()
    libc.free(libc.malloc(16_000_000))
    client = chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))
    col = client.get_or_create_collection(name="litter", embedding_function=None)
    rng = np.random.default_rng(7)
    for batch in range(5):
        ids = [f"{batch}-{j}" for j in range(40)]
        docs = [(OLD_MARK + OLD_AUTHOR) * (50 + 700 * (j % 20)) for j in range(40)]
        meta: dict[str, str | int | float | bool | None] = {"user": OLD_AUTHOR * 50}
        col.upsert(ids=ids, documents=docs, embeddings=rng.random((40, 384)), metadatas=[meta] * 40)
        col.delete(ids=ids)


def test_index_files_hold_no_freed_text_of_a_deleted_message(tmp_path: Path, encoder: Encoder) -> None:
    """Without zeroing, this fails nearly every time: the new index's unused HNSW slots hold the litter's text."""
    for attempt in range(2):
        _litter_chromas_heap(tmp_path / f"litter{attempt}")
        settings = load_settings(data_dir=tmp_path / f"data{attempt}", retention_days=1, moderators=MODERATOR)
        ctx = Context(settings, clock=frozen_clock(NOW), encoder=MemoEncoder(encoder), judge=KeywordJudge())
        try:
            ts = _ts(timedelta(hours=30))
            ctx.pipeline.receive(Message(channel_id=CHANNEL, ts=ts, user_id=OLD_AUTHOR, text=f"idiot {OLD_MARK}"))
            ctx.pipeline.delete(CHANNEL, ts)
            assert ctx.apply_retention() == 1
            assert _files_holding(settings.data_dir, OLD_MARK, OLD_AUTHOR) == {}
        finally:
            ctx.close()

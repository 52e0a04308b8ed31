"""The embedded index's stored vectors read without chromadb (``assistant.store.stored_vectors``) are the ones the
index returns, and anything it cannot vouch for (another encoder's key, no store) is left to the index."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.domain import Message
from assistant.store.encoder_key import EncoderKey
from assistant.store.index import Index
from assistant.store.stored_vectors import embedded_vectors


class _Encoder:
    source = "fake-encoder"
    version = "fake-1"
    dim = 8


def test_vectors_read_without_chromadb_equal_the_indexs(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    msgs = [
        Message(channel_id=f"C{i % 3}", ts=f"{1700000000 + i}.000100", user_id="U1", text=f"m {i}")
        for i in range(2500)  # more than one batch of ids
    ]
    vectors = rng.normal(size=(len(msgs), 8)).astype(np.float32)
    key = EncoderKey(source="fake-encoder", fingerprint="key-1")
    index = Index(_Encoder(), path=tmp_path / "chroma", key=key)  # type: ignore[arg-type]
    index.add_messages(msgs[:-1], vectors[:-1])
    keys = [m.key for m in msgs]  # the last one was never indexed
    expected = index.message_vectors(keys)
    found = embedded_vectors(tmp_path / "chroma", key, keys)
    assert found is not None and sorted(found) == sorted(expected) and len(found) == len(msgs) - 1
    for k, v in expected.items():
        assert found[k].dtype == np.float32 and np.array_equal(found[k], v)
    assert embedded_vectors(tmp_path / "chroma", EncoderKey("fake-encoder", "key-2"), keys) is None, "another key"
    assert embedded_vectors(tmp_path / "chroma", None, keys) is None, "no key: the index decides"
    assert embedded_vectors(tmp_path / "nothing", key, keys) is None, "no store"

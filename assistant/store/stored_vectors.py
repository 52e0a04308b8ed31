"""Stored message vectors read from the embedded index without importing chromadb.

Why: importing chromadb's Python package costs 0.4-0.7 s (its API classes validate their overrides at import),
which was most of what a cold ``assistant members`` spent beyond start-up at 100k messages, only to read the top
members' vectors. The embedded store is Chroma's Rust core (``chromadb_rust_bindings``, imported in 0.02-0.04 s);
chromadb's own ``PersistentClient`` is a thin layer over the same ``Bindings`` calls made here (``chromadb.api.rust``),
so the vectors are the ones ``Index.message_vectors`` returns, read by the same engine.

Only the safe case is answered: an embedded store whose ``messages`` collection was written under this encoder's
key (``Index._written_under_key``). Anything else (a Chroma server, no key, another encoder, a bindings release
whose calls differ) returns None, and the caller opens the index as before.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.store.encoder_key import EncoderKey
from assistant.store.heap import zeroing

logger = logging.getLogger(__name__)

#: The index's collection of messages and the metadata key of its encoder (``assistant.store.index``).
MESSAGES = "messages"
ENCODER_CONFIG = "encoder_config"
#: chromadb's defaults for an embedded store (``chromadb.config.Settings``).
_TENANT = "default_tenant"
_DATABASE = "default_database"
_BATCH = 2000


def embedded_vectors(path: Path, key: EncoderKey | None, keys: Sequence[str]) -> dict[str, np.ndarray] | None:
    """The stored vectors of these message keys in the embedded index at ``path``; None when this cannot tell
    (then the caller opens the index: see the module)."""
    if key is None or not (path / "chroma.sqlite3").exists():
        return None
    try:
        import chromadb_rust_bindings as rust

        config = rust.SqliteDBConfig(
            hash_type=rust.MigrationHash.MD5,
            migration_mode=rust.MigrationMode.Apply,
            url=str(path / "chroma.sqlite3"),
        )
        with zeroing():  # as every call into the embedded Chroma (``assistant.store.heap``)
            bindings = rust.Bindings(
                allow_reset=False, sqlite_db_config=config, persist_path=str(path), hnsw_cache_size=16
            )
            try:
                return _read(bindings, key, keys)
            finally:
                del bindings
    except Exception as exc:  # any failure of this shortcut means "open the index", which reports real errors
        logger.debug("stored vectors not read directly (%s): the index is opened instead", exc)
        return None


def _read(bindings: Any, key: EncoderKey, keys: Sequence[str]) -> dict[str, np.ndarray] | None:
    col = bindings.get_collection(MESSAGES, _TENANT, _DATABASE)
    metadata = col.metadata or {}
    if metadata.get(ENCODER_CONFIG) != key.fingerprint or not metadata.get("encoder"):
        return None
    out: dict[str, np.ndarray] = {}
    for start in range(0, len(keys), _BATCH):
        got = bindings.get(
            str(col.id),
            list(keys[start : start + _BATCH]),
            None,
            None,
            0,
            None,
            ["embeddings"],
            _TENANT,
            _DATABASE,
        )
        if got.embeddings is None:
            continue
        for k, emb in zip(got.ids, got.embeddings, strict=True):
            out[k] = np.asarray(emb, dtype=np.float32)
    return out

"""The index: Chroma collections for past discussions, community guidelines and the fact sheet.

Vectors always come from our own encoder: messages are added with vectors computed once in the pipeline,
and collections carry ``MiniLMEmbeddingFunction`` so Chroma never falls back to its downloading default.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import chromadb
import numpy as np
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from assistant.domain import Message
from assistant.errors import StoreError
from assistant.knowledge import Clause, FactEntry, FalseClaim
from assistant.lazy import provided
from assistant.store import chroma_log
from assistant.store.embedding import EncoderKey, MiniLMEmbeddingFunction, encoder_key
from assistant.store.heap import ZeroingProxy
from assistant.store.hits import Hit, MessageFilter

# MESSAGES, and ENCODER_CONFIG (collection metadata: the fingerprint of the encoder configuration that wrote the
# collection, ``EncoderKey``), are shared with the chromadb-free reader of stored vectors.
from assistant.store.stored_vectors import ENCODER_CONFIG, MESSAGES

if TYPE_CHECKING:  # torch and transformers load with the encoder, when something is encoded
    from assistant.encoder import Encoder

logger = logging.getLogger(__name__)

__all__ = [
    "FACTS",
    "GUIDELINES",
    "MESSAGES",
    "EncoderKey",
    "Hit",
    "Index",
    "MessageFilter",
    "MiniLMEmbeddingFunction",
    "encoder_key",
]

#: A member's deletion rewrites ``chroma.sqlite3`` at once (``VACUUM``) up to this size; a larger file is rewritten
#: by the daily upkeep instead (``assistant.retention.sweep_index``), so one deletion never blocks indexing for long.
VACUUM_NOW_MAX_BYTES = 256 * 1024 * 1024
#: How long the child process that purges and vacuums may take.
PURGE_TIMEOUT_S = 600.0

GUIDELINES = "guidelines"
FACTS = "facts"


class Index:
    """Chroma collections: embedded (persistent path) by default, a Chroma server when a host is set.

    ``encoder``: the encoder, or how to get it. With a provider and the ``key`` of the encoder it will give, the
    encoder is built only to encode (adding, searching by text, loading changed knowledge) or to open a collection
    written under another key; reading stored vectors and documents never loads it."""

    def __init__(
        self,
        encoder: Encoder | Callable[[], Encoder],
        *,
        path: Path | None = None,
        host: str | None = None,
        port: int = 8000,
        key: EncoderKey | None = None,
    ) -> None:
        self._encoder_source = encoder
        self._encoder: Encoder | None = None
        self.key = key
        #: the embedded store's directory (``None`` for a Chroma server or an in-memory index)
        self.path = path if not host else None
        self.host = host
        #: deleted records whose bytes may still be in free pages of ``chroma.sqlite3`` (a deferred vacuum)
        self.vacuum_pending = False
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        try:
            if host:
                self.client: Any = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
            elif path is not None:
                path.mkdir(parents=True, exist_ok=True)
                # every call zeroes the heap blocks it takes: no freed text in the HNSW files' unused slots
                self.client = ZeroingProxy(chromadb.PersistentClient(path=str(path), settings=chroma_settings))
            else:
                self.client = chromadb.EphemeralClient(settings=chroma_settings)
        except Exception as exc:  # chromadb raises many kinds; all mean "cannot open the index"
            where = f"{host}:{port}" if host else str(path)
            raise StoreError(f"Cannot open the Chroma index at {where}: {exc}") from exc
        self._ef = MiniLMEmbeddingFunction(lambda: self.encoder, key.source if key else None)
        self._collections: dict[str, Collection] = {}
        self._tag: str | None = None
        #: collections emptied at open because their vectors came from another encoder (or adapter)
        self.reset: set[str] = set()

    @property
    def encoder(self) -> Encoder:
        """The encoder, built on first use when the index was given a provider."""
        if self._encoder is None:
            self._encoder = provided(self._encoder_source)
        return self._encoder

    @property
    def encoder_tag(self) -> str:
        """The encoder's version tag, stored with each collection: read from a collection written under the same
        ``key``, else from the encoder itself."""
        if self._tag is None:
            encoder = self.encoder
            self._tag = getattr(encoder, "version", "") or Path(str(encoder.source)).name
        return self._tag

    def collection(self, name: str) -> Collection:
        """The named collection; one whose vectors came from another encoder is emptied (vectors from two
        encoders are not comparable), and ``reset`` records it so the caller re-indexes from the archive."""
        if name not in self._collections:
            self._collections[name] = self._written_under_key(name) or self._open(name)
        return self._collections[name]

    def _written_under_key(self, name: str) -> Collection | None:
        """The collection, when it exists and was written under this index's key: its vectors are this encoder's,
        and its tag is the encoder's, without loading it."""
        if self.key is None:
            return None
        try:
            col = self.client.get_collection(name=name, embedding_function=self._ef)
        except Exception:  # chromadb's "does not exist" differs across versions and backends
            return None
        metadata = col.metadata or {}
        if metadata.get(ENCODER_CONFIG) != self.key.fingerprint or not metadata.get("encoder"):
            return None
        if self._tag is None:
            self._tag = str(metadata["encoder"])
        return col if self._tag == metadata["encoder"] else None

    def _open(self, name: str) -> Collection:
        metadata: dict[str, Any] = {"hnsw:space": "cosine", "encoder": self.encoder_tag}
        if self.key is not None:
            metadata[ENCODER_CONFIG] = self.key.fingerprint
        col = self.client.get_or_create_collection(name=name, embedding_function=self._ef, metadata=metadata)
        stored = col.metadata or {}
        if stored.get("encoder") != self.encoder_tag:
            if col.count():
                logger.warning(
                    "index %s holds vectors from encoder %s, not %s: emptied for re-indexing",
                    name,
                    stored.get("encoder") or "unknown",
                    self.encoder_tag,
                )
                self.reset.add(name)
            self.client.delete_collection(name)
            col = self.client.create_collection(name=name, embedding_function=self._ef, metadata=metadata)
        elif self.key is not None and stored.get(ENCODER_CONFIG) != self.key.fingerprint:
            # the same encoder under a key not recorded yet (a collection from before keys): record it, so the
            # next open needs no encoder (the distance function is set at creation and cannot be restated)
            kept = {k: v for k, v in stored.items() if not str(k).startswith("hnsw:")}
            col.modify(metadata={**kept, ENCODER_CONFIG: self.key.fingerprint})
        return col

    # Past discussions -------------------------------------------------------------------------------------------
    def add_messages(self, messages: Sequence[Message], vectors: np.ndarray) -> None:
        """Upsert messages with their precomputed vectors (one encoder pass per message)."""
        if not messages:
            return
        if len(messages) != len(vectors):
            raise ValueError("one vector per message is required")
        col = self.collection(MESSAGES)
        step = 2000
        for start in range(0, len(messages), step):
            chunk = messages[start : start + step]
            col.upsert(
                ids=[m.key for m in chunk],
                embeddings=[v.tolist() for v in vectors[start : start + step]],
                documents=[m.text for m in chunk],
                metadatas=[self._metadata(m) for m in chunk],
            )

    @staticmethod
    def _metadata(m: Message) -> dict[str, Any]:
        return {
            "channel_id": m.channel_id,
            "ts": m.ts,
            "time": float(m.ts),
            "user_id": m.user_id or "",
            "thread_ts": m.thread_ts or m.ts,
            "is_reply": m.is_reply,
        }

    def delete_messages(self, keys: Sequence[str], *, vacuum: bool | None = None) -> int:
        """Really delete messages from the index: from the collection, from Chroma's write-ahead log (which
        otherwise keeps their text, author and vector) and from the file's free pages. Returns how many were
        indexed.

        ``vacuum``: rewrite ``chroma.sqlite3`` now (``True``), leave it to the caller's ``vacuum()`` (``False``,
        retention deletes in bulk then vacuums once), or decide by size (``None``: at once up to
        ``VACUUM_NOW_MAX_BYTES``, else at the daily upkeep). Keys never indexed (bot messages, joins) cost one
        lookup and no purge, so ingest batches stay cheap."""
        if not keys:
            return 0
        col = self.collection(MESSAGES)
        present: list[str] = []
        for start in range(0, len(keys), 2000):
            chunk = list(keys[start : start + 2000])
            present.extend(col.get(ids=chunk, include=[])["ids"])
            col.delete(ids=chunk)
        if present:
            if vacuum is None:
                vacuum = self._size() <= VACUUM_NOW_MAX_BYTES
            try:
                self.purge_log(present, vacuum=vacuum)
            except StoreError as exc:  # deleted from the collection already: the daily sweep finishes the purge
                self.vacuum_pending = True
                logger.warning("%s; the daily upkeep will purge them", exc)
        return len(present)

    def message_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by message key: lets services reuse the one encoder pass."""
        out: dict[str, np.ndarray] = {}
        col = self.collection(MESSAGES)
        for start in range(0, len(keys), 2000):
            got = col.get(ids=list(keys[start : start + 2000]), include=["embeddings"])
            embeddings = got.get("embeddings")
            if embeddings is None:
                continue
            for key, emb in zip(got["ids"], embeddings, strict=True):
                out[key] = np.asarray(emb, dtype=np.float32)
        return out

    def search_messages(
        self,
        query: str | np.ndarray,
        *,
        k: int = 5,
        filters: MessageFilter | None = None,
    ) -> list[Hit]:
        vector = self.encoder.encode_one(query) if isinstance(query, str) else query
        return self._query(MESSAGES, vector, k, filters.where() if filters else None)

    def count_messages(self) -> int:
        return int(self.collection(MESSAGES).count())

    # Erasure ----------------------------------------------------------------------------------------------------
    @property
    def sqlite_file(self) -> Path | None:
        """``chroma.sqlite3`` of the embedded store (``None`` for a server or in-memory index)."""
        return self.path / "chroma.sqlite3" if self.path is not None else None

    def _size(self) -> int:
        db = self.sqlite_file
        return db.stat().st_size if db is not None and db.exists() else 0

    def purge_log(self, keys: Sequence[str] | None, *, vacuum: bool | None = True) -> int:
        """Remove deleted messages' rows from Chroma's write-ahead log (``embeddings_queue``): of ``keys``, or of
        every deleted message with ``None`` (the sweep); then rewrite the file (``vacuum``: always, never, or
        ``None`` only when rows were removed or a vacuum is pending). Returns the log rows removed.

        Chroma 1.5 purges its log only up to the HNSW segment's last persisted write (up to 1,000 writes behind),
        so this removes the superseded rows of deleted ids itself; the reasons, the exact rule and why it runs
        in a child process are in ``assistant.store.chroma_log``. A Chroma server keeps its own log: its
        operator has to purge and vacuum it (logged)."""
        db = self.sqlite_file
        if db is None:
            if self.host:
                logger.warning(
                    "the Chroma server at %s keeps deleted records in its log until it purges it: "
                    "vacuum it on the server",
                    self.host,
                )
            return 0
        if vacuum is None and self.vacuum_pending:
            vacuum = True
        mode = {True: "always", False: "never", None: "if-removed"}[vacuum]
        removed = self._run_purge(db, str(self.collection(MESSAGES).id), keys, mode)
        if vacuum or (vacuum is None and removed):
            self.vacuum_pending = False
        elif removed:
            self.vacuum_pending = True
        logger.info("index: %d log rows of deleted messages purged", removed)
        return removed

    def vacuum(self) -> None:
        """Merge the full-text index and rewrite ``chroma.sqlite3`` so deleted records leave its free pages."""
        db = self.sqlite_file
        if db is None or not db.exists():
            return
        self._run_purge(db, "", [], "always")
        self.vacuum_pending = False

    @staticmethod
    def _run_purge(db: Path, collection_id: str, ids: Sequence[str] | None, mode: str) -> int:
        args = [sys.executable, "-I", str(chroma_log.__file__), str(db), collection_id, mode]
        payload = json.dumps(None if ids is None else list(ids))
        try:
            done = subprocess.run(
                args, input=payload, capture_output=True, text=True, timeout=PURGE_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise StoreError(f"Purging deleted messages from the index at {db} failed: {exc}") from exc
        if done.returncode != 0:
            detail = (done.stderr.strip().splitlines() or ["no detail"])[-1]
            raise StoreError(f"Purging deleted messages from the index at {db} failed: {detail}")
        return int(done.stdout.strip() or 0)

    # Knowledge --------------------------------------------------------------------------------------------------
    def load_knowledge(
        self, clauses: Sequence[Clause], facts: Sequence[FactEntry], claims: Sequence[FalseClaim]
    ) -> None:
        """(Re)load guidelines, facts and known false claims; ids are stable so reloading is idempotent,
        and unchanged entries are not encoded again (start-up stays fast)."""
        if clauses:
            texts = [f"{c.title}. {c.text}" for c in clauses]
            if not self._unchanged(GUIDELINES, [c.id for c in clauses], texts):
                self.collection(GUIDELINES).upsert(
                    ids=[c.id for c in clauses],
                    embeddings=[v.tolist() for v in self.encoder.encode(texts).vectors],
                    documents=texts,
                    metadatas=[{"number": c.number, "title": c.title} for c in clauses],
                )
        items: list[tuple[str, str, dict[str, Any]]] = [
            (f.id, f.text, {"kind": "fact", "topic": f.topic}) for f in facts
        ] + [(c.id, c.claim, {"kind": "false_claim", "refuted_by": c.refuted_by}) for c in claims]
        if items and not self._unchanged(FACTS, [i[0] for i in items], [i[1] for i in items]):
            self.collection(FACTS).upsert(
                ids=[i[0] for i in items],
                embeddings=[v.tolist() for v in self.encoder.encode([i[1] for i in items]).vectors],
                documents=[i[1] for i in items],
                metadatas=[i[2] for i in items],
            )

    def _unchanged(self, name: str, ids: list[str], documents: list[str]) -> bool:
        got = self.collection(name).get(ids=ids, include=["documents"])
        stored = dict(zip(got["ids"], got.get("documents") or [], strict=False))
        return all(stored.get(i) == d for i, d in zip(ids, documents, strict=True))

    def search_guidelines(self, query: str | np.ndarray, *, k: int = 3) -> list[Hit]:
        vector = self.encoder.encode_one(query) if isinstance(query, str) else query
        return self._query(GUIDELINES, vector, k, None)

    def search_guidelines_many(self, vectors: Sequence[np.ndarray], *, k: int = 3) -> list[list[Hit]]:
        """``search_guidelines`` for many vectors in one index query (the hits of each, in order): moderation
        retrieves the clauses of a whole batch's flags at once."""
        return self._query_many(GUIDELINES, vectors, k, None)

    # Internals --------------------------------------------------------------------------------------------------
    def _query(self, name: str, vector: np.ndarray, k: int, where: dict[str, Any] | None) -> list[Hit]:
        return self._query_many(name, [vector], k, where)[0]

    def _query_many(
        self, name: str, vectors: Sequence[np.ndarray], k: int, where: dict[str, Any] | None
    ) -> list[list[Hit]]:
        if not len(vectors):
            return []
        col = self.collection(name)
        total = col.count()
        if total == 0:
            return [[] for _ in vectors]
        try:
            res = col.query(
                query_embeddings=[np.asarray(v, dtype=np.float32).tolist() for v in vectors],
                n_results=min(k, total),
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        except Exception as exc:  # chromadb errors are untyped across backends
            raise StoreError(f"Search in the {name} index failed: {exc}") from exc
        out: list[list[Hit]] = []
        documents, metadatas, distances = res.get("documents"), res.get("metadatas"), res.get("distances")
        for q, ids in enumerate(res["ids"]):
            docs = documents[q] if documents else []
            metas = metadatas[q] if metadatas else []
            dists = distances[q] if distances else []
            out.append(
                [
                    Hit(
                        id=hid,
                        text=str(docs[i]) if docs else "",
                        similarity=1.0 - float(dists[i]) if dists else 0.0,
                        metadata=dict(metas[i] or {}) if metas else {},
                    )
                    for i, hid in enumerate(ids)
                ]
            )
        return out

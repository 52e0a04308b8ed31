"""The index: Chroma collections for past discussions, community guidelines and the fact sheet.

Vectors always come from our own encoder: messages are added with vectors computed once in the pipeline,
and collections carry ``MiniLMEmbeddingFunction`` so Chroma never falls back to its downloading default.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import chromadb
import numpy as np
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaSettings

from assistant.domain import Message
from assistant.encoder import Encoder
from assistant.errors import StoreError
from assistant.knowledge import Clause, FactEntry, FalseClaim

logger = logging.getLogger(__name__)

MESSAGES = "messages"
GUIDELINES = "guidelines"
FACTS = "facts"


class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma embedding function backed by the assistant's encoder (never a download)."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder

    def __call__(self, input: Documents) -> Embeddings:
        return cast(Embeddings, list(self.encoder.encode(list(input)).vectors))

    @staticmethod
    def name() -> str:
        return "assistant-minilm"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.encoder.source}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
        from assistant.encoder import get_encoder

        return MiniLMEmbeddingFunction(get_encoder(config.get("model")))

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"


@dataclass(frozen=True)
class MessageFilter:
    """Metadata filters for retrieval over past discussions."""

    channel_ids: Sequence[str] | None = None
    user_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    thread_ts: str | None = None

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.channel_ids is not None:
            ids = list(self.channel_ids)
            clauses.append({"channel_id": ids[0]} if len(ids) == 1 else {"channel_id": {"$in": ids}})
        if self.user_id:
            clauses.append({"user_id": self.user_id})
        if self.since:
            clauses.append({"time": {"$gte": self.since.timestamp()}})
        if self.until:
            clauses.append({"time": {"$lt": self.until.timestamp()}})
        if self.thread_ts:
            clauses.append({"thread_ts": self.thread_ts})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass(frozen=True)
class Hit:
    id: str
    text: str
    similarity: float
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def channel_id(self) -> str:
        return str(self.metadata.get("channel_id", ""))

    @property
    def ts(self) -> str:
        return str(self.metadata.get("ts", ""))


class Index:
    """Chroma collections: embedded (persistent path) by default, a Chroma server when a host is set."""

    def __init__(
        self,
        encoder: Encoder,
        *,
        path: Path | None = None,
        host: str | None = None,
        port: int = 8000,
    ) -> None:
        self.encoder = encoder
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        try:
            if host:
                self.client: Any = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
            elif path is not None:
                path.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            else:
                self.client = chromadb.EphemeralClient(settings=chroma_settings)
        except Exception as exc:  # chromadb raises many kinds; all mean "cannot open the index"
            where = f"{host}:{port}" if host else str(path)
            raise StoreError(f"Cannot open the Chroma index at {where}: {exc}") from exc
        self._ef = MiniLMEmbeddingFunction(encoder)
        self._collections: dict[str, Collection] = {}
        self.encoder_tag = getattr(encoder, "version", "") or Path(str(encoder.source)).name
        #: collections emptied at open because their vectors came from another encoder (or adapter)
        self.reset: set[str] = set()

    def collection(self, name: str) -> Collection:
        """The named collection; one whose vectors came from another encoder is emptied (vectors from two
        encoders are not comparable), and ``reset`` records it so the caller re-indexes from the archive."""
        if name not in self._collections:
            metadata = {"hnsw:space": "cosine", "encoder": self.encoder_tag}
            col = self.client.get_or_create_collection(name=name, embedding_function=self._ef, metadata=metadata)
            stored = (col.metadata or {}).get("encoder")
            if stored != self.encoder_tag:
                if col.count():
                    logger.warning(
                        "index %s holds vectors from encoder %s, not %s: emptied for re-indexing",
                        name,
                        stored or "unknown",
                        self.encoder_tag,
                    )
                    self.reset.add(name)
                self.client.delete_collection(name)
                col = self.client.create_collection(name=name, embedding_function=self._ef, metadata=metadata)
            self._collections[name] = col
        return self._collections[name]

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

    def delete_messages(self, keys: Sequence[str]) -> None:
        if keys:
            col = self.collection(MESSAGES)
            for start in range(0, len(keys), 2000):
                col.delete(ids=list(keys[start : start + 2000]))

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

    def search_facts(self, query: str | np.ndarray, *, k: int = 3, kind: str | None = None) -> list[Hit]:
        vector = self.encoder.encode_one(query) if isinstance(query, str) else query
        return self._query(FACTS, vector, k, {"kind": kind} if kind else None)

    def get_fact(self, fact_id: str) -> Hit | None:
        got = self.collection(FACTS).get(ids=[fact_id], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        docs = got.get("documents") or [""]
        metas = got.get("metadatas") or [{}]
        return Hit(id=fact_id, text=str(docs[0]), similarity=1.0, metadata=dict(metas[0] or {}))

    # Internals --------------------------------------------------------------------------------------------------
    def _query(self, name: str, vector: np.ndarray, k: int, where: dict[str, Any] | None) -> list[Hit]:
        col = self.collection(name)
        total = col.count()
        if total == 0:
            return []
        try:
            res = col.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
                n_results=min(k, total),
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        except Exception as exc:  # chromadb errors are untyped across backends
            raise StoreError(f"Search in the {name} index failed: {exc}") from exc
        hits: list[Hit] = []
        ids = res["ids"][0]
        docs = (res.get("documents") or [[]])[0]
        metas = (res.get("metadatas") or [[]])[0]
        dists = (res.get("distances") or [[]])[0]
        for i, hid in enumerate(ids):
            hits.append(
                Hit(
                    id=hid,
                    text=str(docs[i]) if docs else "",
                    similarity=1.0 - float(dists[i]) if dists else 0.0,
                    metadata=dict(metas[i] or {}) if metas else {},
                )
            )
        return hits

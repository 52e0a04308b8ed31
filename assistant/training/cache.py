"""On-disk cache of frozen encoder vectors for training and evaluation texts, keyed by each text's hash.

Retrains and evals re-read the same 100k+ texts; encoding each text once per encoder version (and keeping the
vectors outside the repository) saves the shared CPU from doing it again, including for subsets and samples.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.encoder import Encoder

logger = logging.getLogger(__name__)

KEY_BYTES = 16


def default_cache_dir() -> Path:
    """The settings' ``cache_dir`` (``ASSISTANT_CACHE_DIR``, from the environment or ``.env``), for callers
    that were given no settings."""
    from assistant.config import load_settings

    return load_settings().cache_dir


def encoder_tag(encoder: Encoder) -> str:
    """Identifies what produced a vector: model (and adapter) version and truncation length."""
    version = getattr(encoder, "version", "") or Path(encoder.source).name
    return f"{version}-{encoder.max_tokens}"


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=KEY_BYTES).digest()


class VectorCache:
    """Shards of (text hash, vector) pairs for one encoder; new vectors are appended as a new shard."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._index: dict[bytes, np.ndarray] = {}
        self._loaded: set[str] = set()

    def _refresh(self) -> None:
        if not self.folder.exists():
            return
        for shard in sorted(self.folder.glob("shard-*.npz")):
            if shard.name in self._loaded:
                continue
            try:
                with np.load(shard) as z:
                    keys, vectors = z["keys"], z["vectors"]
            except (OSError, ValueError, KeyError):
                logger.warning("unreadable cache shard %s ignored", shard)
                continue
            for k, v in zip(keys, vectors, strict=True):
                self._index[bytes(k)] = v
            self._loaded.add(shard.name)

    def get(self, keys: Sequence[bytes]) -> list[np.ndarray | None]:
        self._refresh()
        return [self._index.get(k) for k in keys]

    def put(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        if not keys:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        arr = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)
        name = f"shard-{hashlib.sha1(arr.tobytes()).hexdigest()[:16]}.npz"
        tmp = self.folder / f"tmp-{os.getpid()}-{name}"
        with tmp.open("wb") as fh:
            np.savez(fh, keys=arr, vectors=vectors.astype(np.float32))
        tmp.replace(self.folder / name)
        self._loaded.add(name)
        for k, v in zip(keys, vectors, strict=True):
            self._index[k] = v


_caches: dict[Path, VectorCache] = {}


def encode_cached(
    encoder: Encoder, texts: Sequence[str], cache_dir: Path | None = None, *, progress: bool = False
) -> np.ndarray:
    """Vectors of ``texts``; only texts this encoder has never encoded are encoded (and then cached)."""
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    folder = (cache_dir or default_cache_dir()) / "vectors" / encoder_tag(encoder)
    cache = _caches.setdefault(folder, VectorCache(folder))
    keys = [text_key(t) for t in texts]
    found = cache.get(keys)
    missing = sorted({k: i for i, (k, v) in enumerate(zip(keys, found, strict=True)) if v is None}.values())
    if missing:
        logger.info("encoding %d of %d texts (the rest are cached)", len(missing), len(texts))
        fresh = encoder.encode([texts[i] for i in missing], progress=progress).vectors
        cache.put([keys[i] for i in missing], fresh)
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    for i, k in enumerate(keys):
        out[i] = cache._index[k]
    return out

